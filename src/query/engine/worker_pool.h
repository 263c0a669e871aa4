// Internal: a small pool of threads shared by the queries of one Engine, for evaluating the series of a
// range function in parallel. The calling thread works on its own job too, so a job always finishes even
// when every pool thread is busy with other queries' jobs.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace foresight::query::internal {

class WorkerPool {
 public:
  // `threads` counts the caller: a pool of 2 starts one thread.
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(threads_.size()) + 1; }

  // Calls task(i) once for every i in [0, tasks), on the caller's thread and the pool's, and returns when
  // all have returned. `task` must not throw.
  void Run(size_t tasks, const std::function<void(size_t)>& task);

 private:
  struct Job;
  void WorkerLoop();
  // Runs tasks of `job` until none is left; returns how many this thread ran.
  static size_t Drain(Job& job);

  std::mutex mu_;
  std::condition_variable work_cv_;  // a job was queued, or stop
  std::condition_variable done_cv_;  // a job's task finished
  std::deque<Job*> queue_;           // jobs with tasks not yet claimed
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace foresight::query::internal
