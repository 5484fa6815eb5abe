package flinkfake

import (
	"fmt"
	"strings"
)

// failureSite says where a failure happened: the names that make each
// trace belong to its job.
type failureSite struct {
	v        Version
	jobID    string
	cluster  string
	source   string // source vertex name, e.g. "Source: orders_src[1] -> Calc[2]"
	keyed    string // keyed vertex name
	sourceID string // source vertex id
	topic    string
	tmID     string // "<cluster>-taskmanager-1-2"
	tmHost   string // "10.42.5.17"
	subtask  int    // 1-based
	par      int
	n        int // which occurrence, to vary request ids
}

func (s failureSite) sourceTask() string {
	return fmt.Sprintf("%s (%d/%d)", s.source, s.subtask, s.par)
}

func (s failureSite) keyedTask() string {
	return fmt.Sprintf("%s (%d/%d)", s.keyed, s.subtask, s.par)
}

// failure is one exception-history entry before rendering.
type failure struct {
	t      *throwable
	task   string // "" for a global failure
	global bool
	user   bool // the trusted enricher labels it TYPE=USER, else SYSTEM
}

// newFailure builds the failure of kind k at site s.
func newFailure(k FailureKind, s failureSite) failure {
	switch k {
	case UserConfig:
		return failure{t: kafkaAuthorization(s), task: s.sourceTask(), user: true}
	case PlatformBug:
		return failure{t: platformNPE(s), task: s.keyedTask()}
	case Transient:
		return failure{t: heartbeatTimeout(s), task: s.keyedTask()}
	case CheckpointStorage:
		return failure{t: storageForbidden(s), task: s.keyedTask()}
	case UserCode:
		return failure{t: tenantNPE(s), task: s.keyedTask(), user: true}
	default:
		return failure{t: coordinatorFailure(s), global: true}
	}
}

// suppressed wraps f the way the scheduler does when the restart strategy
// gives up: the entry that ends the job.
func suppressed(f failure, s failureSite) failure {
	f.t = &throwable{
		class:  "org.apache.flink.runtime.JobException",
		msg:    "Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)",
		frames: failureHandling(s.v),
		cause:  f.t,
	}
	return f
}

// kafkaAuthorization: the source's principal may not read its topic.
func kafkaAuthorization(s failureSite) *throwable {
	fetcher := stack([]string{
		"org.apache.flink.connector.base.source.reader.fetcher.SplitFetcher.runOnce(SplitFetcher.java:168)",
		"org.apache.flink.connector.base.source.reader.fetcher.SplitFetcher.run(SplitFetcher.java:117)",
	}, poolThread(s.v))
	return &throwable{
		class: "java.lang.RuntimeException",
		msg:   "One or more fetchers have encountered exception",
		frames: stack([]string{
			"org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager.checkErrors(SplitFetcherManager.java:263)",
			"org.apache.flink.connector.base.source.reader.SourceReaderBase.getNextFetch(SourceReaderBase.java:185)",
			"org.apache.flink.connector.base.source.reader.SourceReaderBase.pollNext(SourceReaderBase.java:147)",
			"org.apache.flink.streaming.api.operators.SourceOperator.emitNext(SourceOperator.java:419)",
		}, mailboxLoop(s.v)),
		cause: &throwable{
			class:  "java.lang.RuntimeException",
			msg:    "SplitFetcher thread 0 received unexpected exception while polling the records",
			frames: fetcher,
			cause: &throwable{
				class: "org.apache.kafka.common.errors.TopicAuthorizationException",
				msg:   "Not authorized to access topics: [" + s.topic + "]",
				frames: stack([]string{
					"org.apache.flink.connector.kafka.source.reader.KafkaPartitionSplitReader.fetch(KafkaPartitionSplitReader.java:110)",
					"org.apache.flink.connector.base.source.reader.fetcher.FetchTask.run(FetchTask.java:58)",
					"org.apache.flink.connector.base.source.reader.fetcher.SplitFetcher.runOnce(SplitFetcher.java:165)",
				}, fetcher[1:]),
			},
		},
	}
}

// tenantNPE: the team's enrichment function dereferences a field a record
// does not have.
func tenantNPE(s failureSite) *throwable {
	msg := ""
	if s.v.java17() {
		msg = `Cannot invoke "String.length()" because the return value of "com.acme.fraud.Transaction.getMerchantId()" is null`
	}
	return &throwable{
		class: "java.lang.NullPointerException",
		msg:   msg,
		frames: stack([]string{
			"com.acme.fraud.MerchantEnricher.map(MerchantEnricher.java:57)",
			"com.acme.fraud.MerchantEnricher.map(MerchantEnricher.java:21)",
			"org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)",
			"org.apache.flink.streaming.runtime.tasks.OneInputStreamTask$StreamTaskNetworkOutput.emitRecord(OneInputStreamTask.java:237)",
			"org.apache.flink.streaming.runtime.io.AbstractStreamTaskNetworkInput.processElement(AbstractStreamTaskNetworkInput.java:146)",
			"org.apache.flink.streaming.runtime.io.AbstractStreamTaskNetworkInput.emitNext(AbstractStreamTaskNetworkInput.java:110)",
		}, mailboxLoop(s.v)[1:]),
	}
}

// platformNPE: a bug inside Flink's timer service. Java 11 (the 1.x
// images) has no helpful NullPointerException messages; Java 17 does.
func platformNPE(s failureSite) *throwable {
	msg := ""
	if s.v.java17() {
		msg = `Cannot invoke "org.apache.flink.runtime.state.KeyGroupRange.getNumberOfKeyGroups()" because "keyGroupRange" is null`
	}
	return &throwable{
		class: "java.lang.NullPointerException",
		msg:   msg,
		frames: stack([]string{
			"org.apache.flink.runtime.state.heap.HeapPriorityQueueSetFactory.create(HeapPriorityQueueSetFactory.java:71)",
			"org.apache.flink.streaming.api.operators.InternalTimeServiceManagerImpl.createTimerPriorityQueue(InternalTimeServiceManagerImpl.java:179)",
			"org.apache.flink.streaming.api.operators.InternalTimeServiceManagerImpl.registerOrGetTimerService(InternalTimeServiceManagerImpl.java:165)",
			"org.apache.flink.streaming.api.operators.InternalTimeServiceManagerImpl.getInternalTimerService(InternalTimeServiceManagerImpl.java:142)",
			"org.apache.flink.streaming.api.operators.AbstractStreamOperator.getInternalTimerService(AbstractStreamOperator.java:660)",
			"org.apache.flink.streaming.runtime.operators.windowing.WindowOperator.open(WindowOperator.java:243)",
		}, operatorInit(s.v)),
	}
}

// heartbeatTimeout: a TaskManager stopped answering heartbeats.
func heartbeatTimeout(s failureSite) *throwable {
	return &throwable{
		class: "java.util.concurrent.TimeoutException",
		msg:   fmt.Sprintf("Heartbeat of TaskManager with id %s(%s:6122) timed out.", s.tmID, s.tmHost),
		frames: stack([]string{
			"org.apache.flink.runtime.jobmaster.JobMaster$TaskManagerHeartbeatListener.notifyHeartbeatTimeout(JobMaster.java:1664)",
			"org.apache.flink.runtime.heartbeat.DefaultHeartbeatMonitor.run(DefaultHeartbeatMonitor.java:158)",
			jdkFor(s.v).runnableCall,
			"java.base/java.util.concurrent.FutureTask.run(FutureTask.java:264)",
		}, rpcMainThread(s.v, runAsync(s.v))),
	}
}

// storageForbidden: S3 refuses the platform's state bucket during restore.
func storageForbidden(s failureSite) *throwable {
	path := fmt.Sprintf("s3a://plat-state-eu1/checkpoints/%s/shared/%s", s.jobID, hexID(s.jobID, "shared", itoaN(s.n))[:12])
	reqID := strings.ToUpper(hexID(s.jobID, "req", itoaN(s.n))[:16])
	s3msg := fmt.Sprintf("Forbidden (Service: Amazon S3; Status Code: 403; Error Code: 403 Forbidden; Request ID: %s; S3 Extended Request ID: %s=; Proxy: null)", reqID, reqID[:10])
	operator := fmt.Sprintf("WindowOperator_%s_(%d/%d)", hexID(s.jobID, "window"), s.subtask, s.par)
	init := stack([]string{
		"org.apache.flink.streaming.api.operators.AbstractStreamOperator.initializeState(AbstractStreamOperator.java:256)",
	}, operatorInit(s.v))
	restoreProc := stack([]string{
		"org.apache.flink.streaming.api.operators.StreamTaskStateInitializerImpl.keyedStatedBackend(StreamTaskStateInitializerImpl.java:399)",
		"org.apache.flink.streaming.api.operators.StreamTaskStateInitializerImpl.streamOperatorStateContext(StreamTaskStateInitializerImpl.java:180)",
	}, init)
	build := stack([]string{
		"org.apache.flink.streaming.api.operators.StreamTaskStateInitializerImpl.lambda$keyedStatedBackend$1(StreamTaskStateInitializerImpl.java:383)",
		"org.apache.flink.streaming.api.operators.BackendRestorerProcedure.attemptCreateAndRestore(BackendRestorerProcedure.java:173)",
		"org.apache.flink.streaming.api.operators.BackendRestorerProcedure.createAndRestore(BackendRestorerProcedure.java:137)",
	}, restoreProc)
	download := stack([]string{
		"org.apache.flink.core.fs.PluginFileSystemFactory$ClassLoaderFixingFileSystem.open(PluginFileSystemFactory.java:127)",
		"org.apache.flink.runtime.state.filesystem.FileStateHandle.openInputStream(FileStateHandle.java:69)",
		"org.apache.flink.contrib.streaming.state.RocksDBStateDownloader.downloadDataForStateHandle(RocksDBStateDownloader.java:128)",
		"org.apache.flink.contrib.streaming.state.RocksDBStateDownloader.transferAllStateDataToDirectory(RocksDBStateDownloader.java:87)",
		"org.apache.flink.contrib.streaming.state.restore.RocksDBIncrementalRestoreOperation.restore(RocksDBIncrementalRestoreOperation.java:164)",
		"org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackendBuilder.build(RocksDBKeyedStateBackendBuilder.java:330)",
		"org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend.createKeyedStateBackend(EmbeddedRocksDBStateBackend.java:512)",
	}, build)
	s3 := stack([]string{
		"org.apache.hadoop.fs.s3a.S3AFileSystem.innerGetFileStatus(S3AFileSystem.java:3688)",
		"org.apache.hadoop.fs.s3a.S3AFileSystem.open(S3AFileSystem.java:1543)",
		"org.apache.flink.runtime.fs.hdfs.HadoopFileSystem.open(HadoopFileSystem.java:134)",
	}, download)
	return &throwable{
		class:  "java.lang.Exception",
		msg:    "Exception while creating StreamOperatorStateContext.",
		frames: stack([]string{"org.apache.flink.streaming.api.operators.StreamTaskStateInitializerImpl.streamOperatorStateContext(StreamTaskStateInitializerImpl.java:258)"}, init),
		cause: &throwable{
			class:  "org.apache.flink.util.FlinkException",
			msg:    "Could not restore keyed state backend for " + operator + " from any of the 1 provided restore options.",
			frames: stack([]string{"org.apache.flink.streaming.api.operators.BackendRestorerProcedure.createAndRestore(BackendRestorerProcedure.java:165)"}, restoreProc),
			cause: &throwable{
				class:  "org.apache.flink.runtime.state.BackendBuildingException",
				msg:    "Caught unexpected exception.",
				frames: stack([]string{"org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackendBuilder.build(RocksDBKeyedStateBackendBuilder.java:407)"}, download[6:]),
				cause: &throwable{
					class: "java.nio.file.AccessDeniedException",
					msg:   fmt.Sprintf("%s: getFileStatus on %s: com.amazonaws.services.s3.model.AmazonS3Exception: %s, S3 Extended Request ID: %s=:403 Forbidden", path, path, s3msg, reqID[:10]),
					frames: stack([]string{
						"org.apache.hadoop.fs.s3a.S3AUtils.translateException(S3AUtils.java:255)",
						"org.apache.hadoop.fs.s3a.S3AUtils.translateException(S3AUtils.java:175)",
						"org.apache.hadoop.fs.s3a.S3AFileSystem.s3GetFileStatus(S3AFileSystem.java:3799)",
					}, s3),
					cause: &throwable{
						class: "com.amazonaws.services.s3.model.AmazonS3Exception",
						msg:   s3msg,
						frames: stack([]string{
							"com.amazonaws.http.AmazonHttpClient$RequestExecutor.handleErrorResponse(AmazonHttpClient.java:1879)",
							"com.amazonaws.http.AmazonHttpClient$RequestExecutor.executeOneRequest(AmazonHttpClient.java:1418)",
							"com.amazonaws.http.AmazonHttpClient$RequestExecutor.executeHelper(AmazonHttpClient.java:1387)",
							"com.amazonaws.http.AmazonHttpClient.execute(AmazonHttpClient.java:530)",
							"com.amazonaws.services.s3.AmazonS3Client.invoke(AmazonS3Client.java:5456)",
							"com.amazonaws.services.s3.AmazonS3Client.getObjectMetadata(AmazonS3Client.java:1372)",
							"org.apache.hadoop.fs.s3a.S3AFileSystem.lambda$getObjectMetadata$10(S3AFileSystem.java:2545)",
							"org.apache.hadoop.fs.s3a.Invoker.retryUntranslated(Invoker.java:414)",
							"org.apache.hadoop.fs.s3a.S3AFileSystem.getObjectMetadata(S3AFileSystem.java:2533)",
							"org.apache.hadoop.fs.s3a.S3AFileSystem.s3GetFileStatus(S3AFileSystem.java:3776)",
						}, s3),
					},
				},
			},
		},
	}
}

// coordinatorFailure: the Kafka source's coordinator fails the whole job.
func coordinatorFailure(s failureSite) *throwable {
	loop := stack([]string{
		"org.apache.flink.runtime.source.coordinator.SourceCoordinator.lambda$runInEventLoop$10(SourceCoordinator.java:520)",
	}, poolThread(s.v))
	return &throwable{
		class: "org.apache.flink.util.FlinkException",
		msg:   fmt.Sprintf("Global failure triggered by OperatorCoordinator for '%s' (operator %s).", s.source, s.sourceID),
		frames: stack([]string{
			"org.apache.flink.runtime.operators.coordination.OperatorCoordinatorHolder$LazyInitializedCoordinatorContext.failJob(OperatorCoordinatorHolder.java:651)",
			"org.apache.flink.runtime.operators.coordination.RecreateOnResetOperatorCoordinator$QuiesceableContext.failJob(RecreateOnResetOperatorCoordinator.java:259)",
			"org.apache.flink.runtime.source.coordinator.SourceCoordinatorContext.failJob(SourceCoordinatorContext.java:432)",
		}, loop),
		cause: &throwable{
			class: "java.lang.IllegalStateException",
			msg:   "No cached split is expected.",
			frames: stack([]string{
				"org.apache.flink.util.Preconditions.checkState(Preconditions.java:193)",
				"org.apache.flink.runtime.source.coordinator.SourceCoordinatorContext.lambda$assignSplits$4(SourceCoordinatorContext.java:223)",
				"org.apache.flink.runtime.source.coordinator.SourceCoordinatorContext.callInCoordinatorThread(SourceCoordinatorContext.java:457)",
				"org.apache.flink.runtime.source.coordinator.SourceCoordinatorContext.assignSplits(SourceCoordinatorContext.java:211)",
				"org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumerator.assignPendingPartitionSplits(KafkaSourceEnumerator.java:417)",
				"org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumerator.handlePartitionSplitChanges(KafkaSourceEnumerator.java:346)",
				"org.apache.flink.runtime.source.coordinator.ExecutorNotifier.lambda$null$1(ExecutorNotifier.java:83)",
				"org.apache.flink.util.ThrowableCatchingRunnable.run(ThrowableCatchingRunnable.java:40)",
			}, loop),
		},
	}
}

func itoaN(n int) string { return fmt.Sprint(n) }
