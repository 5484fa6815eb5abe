package flinkfake

import (
	"fmt"
	"net/http"
)

// Error bodies as Flink's REST handlers write them: {"errors":[...]}, each
// message the stringified RestHandlerException with its stack (Flink 1.15+
// sends the trace, not just the message).

func errBody(w *jw, msgs ...string) {
	w.b = w.b[:0]
	w.open().kOpenArr("errors")
	for _, m := range msgs {
		w.str(m)
	}
	w.closeArr()
	w.close()
}

// errNotFound is the router's answer to a path it does not know.
func errNotFound(w *jw, path string) int {
	errBody(w, "Not found: "+path)
	return http.StatusNotFound
}

// handlerFrames is the bottom of a REST handler's stack.
func handlerFrames() []string {
	return []string{
		"org.apache.flink.runtime.rest.handler.AbstractRestHandler.respondToRequest(AbstractRestHandler.java:83)",
		"org.apache.flink.runtime.rest.handler.AbstractHandler.respondAsLeader(AbstractHandler.java:196)",
		"org.apache.flink.runtime.rest.handler.LeaderRetrievalHandler.lambda$channelRead0$0(LeaderRetrievalHandler.java:83)",
		"java.base/java.util.Optional.ifPresent(Optional.java:183)",
		"org.apache.flink.util.OptionalConsumer.ifPresent(OptionalConsumer.java:45)",
		"org.apache.flink.runtime.rest.handler.LeaderRetrievalHandler.channelRead0(LeaderRetrievalHandler.java:80)",
		"org.apache.flink.runtime.rest.handler.LeaderRetrievalHandler.channelRead0(LeaderRetrievalHandler.java:49)",
	}
}

func errJobNotFound(w *jw, id string) int {
	t := &throwable{
		class: "org.apache.flink.runtime.rest.NotFoundException",
		msg:   fmt.Sprintf("Job %s not found", id),
		frames: stack([]string{
			"org.apache.flink.runtime.rest.handler.job.AbstractExecutionGraphHandler.lambda$handleRequest$1(AbstractExecutionGraphHandler.java:99)",
			"java.base/java.util.concurrent.CompletableFuture.uniExceptionally(CompletableFuture.java:986)",
		}, handlerFrames()),
		cause: &throwable{
			class: "org.apache.flink.runtime.messages.FlinkJobNotFoundException",
			msg:   fmt.Sprintf("Could not find Flink job (%s)", id),
			frames: []string{
				"org.apache.flink.runtime.dispatcher.Dispatcher.lambda$requestExecutionGraphInfo$28(Dispatcher.java:1092)",
				"java.base/java.util.Optional.orElseThrow(Optional.java:403)",
			},
		},
	}
	errBody(w, t.String())
	return http.StatusNotFound
}

// errCheckpointingDisabled is what both checkpoint endpoints answer for a
// job without checkpointing; their messages differ.
func errCheckpointingDisabled(w *jw, id string, config bool) int {
	msg, frame := "Checkpointing has not been enabled.",
		"org.apache.flink.runtime.rest.handler.job.checkpoints.CheckpointingStatisticsHandler.createCheckpointingStatistics(CheckpointingStatisticsHandler.java:107)"
	if config {
		msg = fmt.Sprintf("Checkpointing is not enabled for this job (%s).", id)
		frame = "org.apache.flink.runtime.rest.handler.job.checkpoints.CheckpointConfigHandler.createCheckpointConfigInfo(CheckpointConfigHandler.java:94)"
	}
	t := &throwable{
		class:  "org.apache.flink.runtime.rest.handler.RestHandlerException",
		msg:    msg,
		frames: stack([]string{frame}, handlerFrames()),
	}
	errBody(w, t.String())
	return http.StatusNotFound
}

func errBadJobID(w *jw, value string) int {
	errBody(w, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve path parameter (jobid) from value %q.", value))
	return http.StatusBadRequest
}

func errBadVertexID(w *jw, value string) int {
	errBody(w, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve path parameter (vertexid) from value %q.", value))
	return http.StatusBadRequest
}

// errVertexNotFound is AbstractJobVertexHandler's answer for a vertex id
// the job does not have.
func errVertexNotFound(w *jw, id string) int {
	t := &throwable{
		class: "org.apache.flink.runtime.rest.handler.RestHandlerException",
		msg:   fmt.Sprintf("No vertex with ID '%s' exists.", id),
		frames: stack([]string{
			"org.apache.flink.runtime.rest.handler.job.AbstractJobVertexHandler.handleRequest(AbstractJobVertexHandler.java:94)",
			"org.apache.flink.runtime.rest.handler.job.AbstractExecutionGraphHandler.lambda$handleRequest$0(AbstractExecutionGraphHandler.java:87)",
		}, handlerFrames()),
	}
	errBody(w, t.String())
	return http.StatusNotFound
}

func errBadQuery(w *jw, key, value string) int {
	errBody(w, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve query parameter (%s) from value %q.", key, value))
	return http.StatusBadRequest
}

// errInternal is Flink's answer when a handler fails unexpectedly: the
// JobMaster did not answer its RPC in time.
func errInternal(w *jw) int {
	errBody(w, "Internal server error.",
		"<Exception on server side:\njava.util.concurrent.CompletionException: java.util.concurrent.TimeoutException: Invocation of [RemoteRpcInvocation(JobMasterGateway.requestJob(JobID, Time))] at recipient [pekko.tcp://flink@10.42.0.12:6123/user/rpc/jobmanager_2] timed out. This is usually caused by: 1) Pekko failed sending the message silently, due to problems like oversized payload or serialization failures. In that case, you should find detailed error information in the logs. 2) The recipient needs more time for responding, due to problems like slow machines or network jitters. In that case, you can try to increase pekko.ask.timeout.\n\tat java.base/java.util.concurrent.CompletableFuture.encodeRelay(CompletableFuture.java:368)\n\tat java.base/java.util.concurrent.CompletableFuture.completeRelay(CompletableFuture.java:377)\n\nEnd of exception on server side>")
	return http.StatusInternalServerError
}
