package flinkfake

// Stack frame groups shared by the failure traces. Line numbers follow the
// Flink 1.18–1.20 sources closely enough to look right; what changes with
// the version is the RPC layer (Akka up to 1.17, Pekko from 1.18), the
// failover package (flip1 until 1.18) and the JDK (11 for 1.x images, 17
// for 2.x), which moves the JDK line numbers.

type jdk struct {
	threadRun, runnableCall, runWorker, workerRun string
	reflect                                       []string
}

func jdkFor(v Version) jdk {
	if v.java17() {
		return jdk{
			threadRun:    "java.base/java.lang.Thread.run(Thread.java:840)",
			runnableCall: "java.base/java.util.concurrent.Executors$RunnableAdapter.call(Executors.java:539)",
			runWorker:    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
			workerRun:    "java.base/java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:635)",
			reflect: []string{
				"java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
				"java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)",
				"java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)",
				"java.base/java.lang.reflect.Method.invoke(Method.java:568)",
			},
		}
	}
	return jdk{
		threadRun:    "java.base/java.lang.Thread.run(Thread.java:829)",
		runnableCall: "java.base/java.util.concurrent.Executors$RunnableAdapter.call(Executors.java:515)",
		runWorker:    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1128)",
		workerRun:    "java.base/java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:628)",
		reflect: []string{
			"java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
			"java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:62)",
			"java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)",
			"java.base/java.lang.reflect.Method.invoke(Method.java:566)",
		},
	}
}

// taskThread is the bottom of every task thread on a TaskManager.
func taskThread(v Version) []string {
	return []string{
		"org.apache.flink.runtime.taskmanager.Task.runWithSystemExitMonitoring(Task.java:953)",
		"org.apache.flink.runtime.taskmanager.Task.restoreAndInvoke(Task.java:932)",
		"org.apache.flink.runtime.taskmanager.Task.doRun(Task.java:746)",
		"org.apache.flink.runtime.taskmanager.Task.run(Task.java:562)",
		jdkFor(v).threadRun,
	}
}

// mailboxLoop is a task processing records.
func mailboxLoop(v Version) []string {
	return stack([]string{
		"org.apache.flink.streaming.runtime.io.StreamTaskSourceInput.emitNext(StreamTaskSourceInput.java:68)",
		"org.apache.flink.streaming.runtime.io.StreamOneInputProcessor.processInput(StreamOneInputProcessor.java:65)",
		"org.apache.flink.streaming.runtime.tasks.StreamTask.processInput(StreamTask.java:562)",
		"org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop(MailboxProcessor.java:231)",
		"org.apache.flink.streaming.runtime.tasks.StreamTask.runMailboxLoop(StreamTask.java:858)",
		"org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:807)",
	}, taskThread(v))
}

// operatorInit is a task initialising state and opening its operators.
func operatorInit(v Version) []string {
	return stack([]string{
		"org.apache.flink.streaming.runtime.tasks.RegularOperatorChain.initializeStateAndOpenOperators(RegularOperatorChain.java:107)",
		"org.apache.flink.streaming.runtime.tasks.StreamTask.restoreGates(StreamTask.java:747)",
		"org.apache.flink.streaming.runtime.tasks.StreamTaskActionExecutor$1.call(StreamTaskActionExecutor.java:55)",
		"org.apache.flink.streaming.runtime.tasks.StreamTask.restoreInternal(StreamTask.java:722)",
		"org.apache.flink.streaming.runtime.tasks.StreamTask.restore(StreamTask.java:688)",
	}, taskThread(v))
}

// poolThread is the bottom of a thread-pool thread (split fetchers,
// coordinators).
func poolThread(v Version) []string {
	j := jdkFor(v)
	return []string{
		j.runnableCall,
		"java.base/java.util.concurrent.FutureTask.run(FutureTask.java:264)",
		j.runWorker,
		j.workerRun,
		j.threadRun,
	}
}

// rpcNames returns the RPC package, the actor library prefix and the
// class-name stem of the version's RPC system.
func rpcNames(v Version) (rpc, actor, name string) {
	if v.usesPekko() {
		return "org.apache.flink.runtime.rpc.pekko.", "org.apache.pekko.", "Pekko"
	}
	return "org.apache.flink.runtime.rpc.akka.", "akka.", "Akka"
}

// rpcMainThread is the JobMaster's main thread handling one RPC message,
// below the handler named by top (a runAsync or an RPC invocation).
func rpcMainThread(v Version, top []string) []string {
	rpc, actor, n := rpcNames(v)
	return stack(top, []string{
		rpc + n + "RpcActor.handleRpcMessage(" + n + "RpcActor.java:225)",
		rpc + "Fenced" + n + "RpcActor.handleRpcMessage(Fenced" + n + "RpcActor.java:88)",
		rpc + n + "RpcActor.handleMessage(" + n + "RpcActor.java:174)",
		actor + "japi.pf.UnitCaseStatement.apply(CaseStatements.scala:33)",
		actor + "japi.pf.UnitCaseStatement.apply(CaseStatements.scala:29)",
		"scala.PartialFunction.applyOrElse(PartialFunction.scala:127)",
		"scala.PartialFunction.applyOrElse$(PartialFunction.scala:126)",
		actor + "japi.pf.UnitCaseStatement.applyOrElse(CaseStatements.scala:29)",
		"scala.PartialFunction$OrElse.applyOrElse(PartialFunction.scala:175)",
		actor + "actor.Actor.aroundReceive(Actor.scala:547)",
		actor + "actor.Actor.aroundReceive$(Actor.scala:545)",
		actor + "actor.AbstractActor.aroundReceive(AbstractActor.scala:229)",
		actor + "actor.ActorCell.receiveMessage(ActorCell.scala:590)",
		actor + "actor.ActorCell.invoke(ActorCell.scala:557)",
		actor + "dispatch.Mailbox.processMailbox(Mailbox.scala:280)",
		actor + "dispatch.Mailbox.run(Mailbox.scala:241)",
		actor + "dispatch.Mailbox.exec(Mailbox.scala:253)",
		"java.base/java.util.concurrent.ForkJoinTask.doExec(ForkJoinTask.java:373)",
		"java.base/java.util.concurrent.ForkJoinPool$WorkQueue.topLevelExec(ForkJoinPool.java:1182)",
		"java.base/java.util.concurrent.ForkJoinPool.scan(ForkJoinPool.java:1655)",
		"java.base/java.util.concurrent.ForkJoinPool.runWorker(ForkJoinPool.java:1622)",
		"java.base/java.util.concurrent.ForkJoinWorkerThread.run(ForkJoinWorkerThread.java:165)",
	})
}

// runAsync is the top of rpcMainThread for a scheduled runnable.
func runAsync(v Version) []string {
	rpc, _, n := rpcNames(v)
	return []string{
		rpc + n + "RpcActor.lambda$handleRunAsync$4(" + n + "RpcActor.java:460)",
		"org.apache.flink.runtime.concurrent.ClassLoadingUtils.runWithContextClassLoader(ClassLoadingUtils.java:68)",
		rpc + n + "RpcActor.handleRunAsync(" + n + "RpcActor.java:460)",
	}
}

// failureHandling is the scheduler deciding about a task failure on the
// JobMaster's main thread.
func failureHandling(v Version) []string {
	p := v.failoverPackage()
	rpc, _, n := rpcNames(v)
	return stack([]string{
		p + ".ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)",
		p + ".ExecutionFailureHandler.getFailureHandlingResult(ExecutionFailureHandler.java:107)",
		"org.apache.flink.runtime.scheduler.DefaultScheduler.recordTaskFailure(DefaultScheduler.java:285)",
		"org.apache.flink.runtime.scheduler.DefaultScheduler.handleTaskFailure(DefaultScheduler.java:276)",
		"org.apache.flink.runtime.scheduler.DefaultScheduler.onTaskFailed(DefaultScheduler.java:269)",
		"org.apache.flink.runtime.scheduler.SchedulerBase.onTaskExecutionStateUpdate(SchedulerBase.java:764)",
		"org.apache.flink.runtime.scheduler.SchedulerBase.updateTaskExecutionState(SchedulerBase.java:741)",
		"org.apache.flink.runtime.scheduler.SchedulerNG.updateTaskExecutionState(SchedulerNG.java:83)",
		"org.apache.flink.runtime.jobmaster.JobMaster.updateTaskExecutionState(JobMaster.java:488)",
	}, jdkFor(v).reflect, rpcMainThread(v, []string{
		rpc + n + "RpcActor.lambda$handleRpcInvocation$1(" + n + "RpcActor.java:318)",
		"org.apache.flink.runtime.concurrent.ClassLoadingUtils.runWithContextClassLoader(ClassLoadingUtils.java:83)",
		rpc + n + "RpcActor.handleRpcInvocation(" + n + "RpcActor.java:316)",
	}))
}
