#include "query/engine/worker_pool.h"

#include <algorithm>
#include <atomic>

namespace foresight::query::internal {

struct WorkerPool::Job {
  const std::function<void(size_t)>* task = nullptr;
  size_t tasks = 0;
  std::atomic<size_t> next{0};  // the next unclaimed task
  size_t done = 0;              // guarded by mu_
  int helpers = 0;              // pool threads holding a pointer to this job; guarded by mu_
};

WorkerPool::WorkerPool(int threads) {
  for (int i = 1; i < threads; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

size_t WorkerPool::Drain(Job& job) {
  size_t ran = 0;
  for (size_t i = job.next.fetch_add(1, std::memory_order_relaxed); i < job.tasks;
       i = job.next.fetch_add(1, std::memory_order_relaxed)) {
    (*job.task)(i);
    ++ran;
  }
  return ran;
}

void WorkerPool::Run(size_t tasks, const std::function<void(size_t)>& task) {
  if (tasks == 0) return;
  Job job;
  job.task = &task;
  job.tasks = tasks;
  if (tasks > 1 && !threads_.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(&job);
    work_cv_.notify_all();
  }
  size_t ran = Drain(job);
  std::unique_lock<std::mutex> lock(mu_);
  std::erase(queue_, &job);
  job.done += ran;
  // The job lives on this stack frame: wait until no pool thread can still touch it.
  done_cv_.wait(lock, [&] { return job.done == job.tasks && job.helpers == 0; });
}

void WorkerPool::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Job* job = queue_.front();
    if (job->next.load(std::memory_order_relaxed) >= job->tasks) {
      queue_.pop_front();  // every task is claimed; the threads running them report to the job
      continue;
    }
    ++job->helpers;
    lock.unlock();
    size_t ran = Drain(*job);
    lock.lock();
    std::erase(queue_, job);
    job->done += ran;
    --job->helpers;
    if (job->done == job->tasks && job->helpers == 0) done_cv_.notify_all();
  }
}

}  // namespace foresight::query::internal
