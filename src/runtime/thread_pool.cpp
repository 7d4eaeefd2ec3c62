// src/runtime/thread_pool.cpp — corio::ThreadPool.
#include <corio/thread_pool.hpp>

#include <algorithm>
#include <csignal>

#include <corio/errors.hpp>

namespace corio {

ThreadPool::ThreadPool(unsigned max_workers)
    : max_workers_(max_workers != 0 ? max_workers
                                    : std::min(32u, std::thread::hardware_concurrency() + 4)) {}

ThreadPool::~ThreadPool() {
  shutdown();
}

void ThreadPool::submit(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  if (stopping_) throw RuntimeError("corio: cannot submit to a thread pool after shutdown");
  jobs_.push_back(std::move(job));
  if (idle_ >= jobs_.size() || workers_.size() >= max_workers_) {
    cv_.notify_one();
    return;
  }
  // Workers never take signals: those belong to the loop's thread (add_signal_handler).
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  try {
    workers_.emplace_back([this] { work(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    // No new thread (EAGAIN, out of memory). A busy worker will take the job later; with no
    // worker at all it is withdrawn, so a caller that sees the exception knows it never runs
    // (to_thread relies on that: its job points into the awaiting frame).
    if (!workers_.empty()) {
      cv_.notify_one();
      return;
    }
    jobs_.pop_back();
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void ThreadPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) return;  // stopping and nothing left
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void ThreadPool::shutdown() {
  std::vector<std::thread> workers;
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {  // another call took the workers: wait until it has joined them
      joined_cv_.wait(lock, [this] { return joined_; });
      return;
    }
    stopping_ = true;
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (auto& worker : workers) worker.join();
  {
    std::lock_guard lock(mutex_);
    joined_ = true;
  }
  joined_cv_.notify_all();
}

std::size_t ThreadPool::worker_count() const {
  std::lock_guard lock(mutex_);
  return workers_.size();
}

}  // namespace corio
