// include/corio/thread_pool.hpp — corio::ThreadPool, a bounded pool of worker threads
// (concurrent.futures.ThreadPoolExecutor). The loop's default executor is one of these.
//
// submit() is thread-safe. Workers start lazily, one per queued job, up to max_workers; idle
// workers wait for more work. shutdown() (also run by the destructor) lets queued jobs
// finish and joins every worker; a call made while another thread's shutdown() is joining
// returns once that join is over. Submitting after shutdown throws RuntimeError.
// A job may shut its own pool down: the call joins every other worker (concurrent.futures'
// shutdown(wait=True) would try to join the calling thread too), and that job's thread exits
// once the job returns and nothing is left queued; the destructor, or a shutdown() from
// another thread, joins it. A job must not destroy its own pool (std::terminate).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace corio {

class ThreadPool {
 public:
  // max_workers 0 picks min(32, hardware threads + 4), as Python does.
  explicit ThreadPool(unsigned max_workers = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues job to run on a worker thread. Exceptions escaping a job terminate the process:
  // wrap work that can fail (to_thread does).
  void submit(std::function<void()> job);
  void shutdown();

  [[nodiscard]] unsigned max_workers() const noexcept { return max_workers_; }
  [[nodiscard]] std::size_t worker_count() const;

 private:
  void work();

  unsigned max_workers_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
  unsigned joining_ = 0;  // shutdown() calls still joining the workers they took
  std::condition_variable joined_cv_;
};

}  // namespace corio
