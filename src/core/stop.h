// Cooperative stop of long loops on a user interrupt. Only the master
// thread consults the caller's poll (R's interrupt check must not run
// elsewhere); every thread reads the flag it sets. Single-threaded loops
// poll by work done rather than by iterations, so a loop whose iterations
// are long (a sign flip over many pairs) still looks every millisecond or so.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

namespace propgrad {

class StopSignal {
 public:
  explicit StopSignal(std::function<bool()> poll = nullptr) : poll_(std::move(poll)) {}
  bool check(bool is_master) {
    if (is_master && poll_ && !flag_.load(std::memory_order_relaxed) && poll_()) {
      flag_.store(true, std::memory_order_relaxed);
    }
    return flag_.load(std::memory_order_relaxed);
  }
  bool stopped() const { return flag_.load(std::memory_order_relaxed); }

 private:
  std::function<bool()> poll_;
  std::atomic<bool> flag_{false};
};

// A loop whose iterations each cost about `work` elementary steps (a
// shuffle of n steps: n): stop() consults the signal every ~2^20 steps, so
// long and short iterations alike look about every millisecond. stop may
// be null (never stops); only the master polls, the others read the flag.
class WorkPoll {
 public:
  WorkPoll(StopSignal* stop, std::size_t work, bool is_master = true)
      : stop_(stop),
        is_master_(is_master),
        every_(std::max<int64_t>(1, (int64_t(1) << 20) / std::max<int64_t>(1, int64_t(work)))) {}
  // Call once per iteration (it looks at the first, then every `every`);
  // true when the loop must stop.
  bool stop() {
    if (stop_ == nullptr || count_-- > 0) return false;
    count_ = every_ - 1;
    return stop_->check(is_master_);
  }

 private:
  StopSignal* stop_;
  bool is_master_;
  int64_t every_, count_ = 0;
};

}  // namespace propgrad
