package flinkfake

import (
	"net/http"
	"strings"
)

// renderTaskManagerPath answers /taskmanagers, /taskmanagers/metrics and
// /taskmanagers/:taskmanagerid/metrics (path p, without /v1).
func (jm *JobManager) renderTaskManagerPath(w *jw, r *http.Request, path, p string, now int64) int {
	switch p {
	case "/taskmanagers":
		jm.renderTaskManagers(w, now)
		return http.StatusOK
	case "/taskmanagers/metrics":
		st := jm.tmStore(now)
		q := r.URL.Query()
		get := q.Get("get")
		if get == "" {
			renderIDs(w, st)
			return http.StatusOK
		}
		a, ok := parseAgg(jm.opts.Version, q.Get("agg"))
		if !ok {
			return errBadQuery(w, "agg", q.Get("agg"))
		}
		var selected []int
		if ids := q.Get("taskmanagers"); ids != "" {
			selected = []int{}
			for id := range strings.SplitSeq(ids, ",") {
				if k := st.index(jm, strings.TrimSpace(id)); k >= 0 {
					selected = append(selected, k)
				}
			}
		}
		renderAggregated(w, st, selected, get, a)
		return http.StatusOK
	}
	id, sub, _ := strings.Cut(strings.TrimPrefix(p, "/taskmanagers/"), "/")
	if sub != "metrics" || id == "" {
		return errNotFound(w, path)
	}
	// The metric store has nothing for a TaskManager it does not know.
	st := jm.tmStore(now)
	k := st.index(jm, id)
	var s store
	if k >= 0 {
		s = st
	}
	if get := r.URL.Query().Get("get"); get != "" {
		renderValues(w, s, k, get)
	} else {
		renderIDs(w, s)
	}
	return http.StatusOK
}

// renderTaskManagers writes GET /taskmanagers (TaskManagersInfo).
func (jm *JobManager) renderTaskManagers(w *jw, now int64) {
	v := jm.opts.Version
	rpc := "akka"
	if v.usesPekko() {
		rpc = "pekko"
	}
	w.open().kOpenArr("taskmanagers")
	for _, tm := range jm.taskManagers(now, nil) {
		host := taskManagerHost(jm.opts.Cluster, tm.n)
		free := slotsPerTaskManager - tm.used
		w.open()
		w.kStr("id", jm.tmID(tm.n))
		w.kStr("path", rpc+".tcp://flink@"+host+":6122/user/rpc/taskmanager_0")
		w.kInt("dataPort", 6121)
		w.kInt("jmxPort", -1)
		w.kInt("timeSinceLastHeartbeat", now-int64(tm.n*1700%10000))
		w.kInt("slotsNumber", slotsPerTaskManager)
		w.kInt("freeSlots", int64(free))
		writeResource(w, "totalResource", slotsPerTaskManager)
		writeResource(w, "freeResource", free)
		w.kOpen("hardware")
		w.kInt("cpuCores", 2)
		w.kInt("physicalMemory", 8<<30)
		w.kInt("freeMemory", heapMax)
		w.kInt("managedMemory", managedSize)
		w.close()
		w.kOpen("memoryConfiguration")
		for _, m := range [...]struct {
			k string
			n int64
		}{
			{"frameworkHeap", 128 << 20}, {"taskHeap", 384 << 20}, {"frameworkOffHeap", 128 << 20},
			{"taskOffHeap", 0}, {"networkMemory", 128 << 20}, {"managedMemory", managedSize},
			{"jvmMetaspace", 256 << 20}, {"jvmOverhead", 192 << 20},
			{"totalFlinkMemory", 1280 << 20}, {"totalProcessMemory", 1728 << 20},
		} {
			w.kInt(m.k, m.n)
		}
		w.close()
		if v.hasBlocked() {
			w.kBool("blocked", false)
		}
		if v.hasAssignedTasks() {
			w.kInt("assignedTasks", int64(tm.used))
		}
		w.close()
	}
	w.closeArr()
	w.close()
}

// writeResource writes a ResourceProfileInfo for slots of the
// TaskManager's two (memory in MiB).
func writeResource(w *jw, key string, slots int) {
	n := int64(slots)
	w.kOpen(key)
	w.key("cpuCores").double(float64(slots))
	w.kInt("taskHeapMemory", 192*n)
	w.kInt("taskOffHeapMemory", 0)
	w.kInt("managedMemory", 256*n)
	w.kInt("networkMemory", 64*n)
	w.kEmptyObj("extendedResources")
	w.close()
}
