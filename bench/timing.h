// Clocks and medians shared by the benchmarks. CPU clocks rather than wall time where a
// step runs on the calling thread only: this 2-core machine is shared, and a figure in CPU time
// moves much less with the load than one in wall time.
#pragma once

#include <time.h>

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

namespace bench {

inline double ClockMs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
inline double ThreadCpuMs() { return ClockMs(CLOCK_THREAD_CPUTIME_ID); }
inline double ProcessCpuMs() { return ClockMs(CLOCK_PROCESS_CPUTIME_ID); }  // every thread's
inline double WallMs() { return ClockMs(CLOCK_MONOTONIC); }

// Median CPU ms of `reps` runs of `fn` on this thread.
inline double MedianThreadCpuMs(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double start = ThreadCpuMs();
    fn();
    t.push_back(ThreadCpuMs() - start);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Median wall and process-CPU ms of `reps` runs of `fn` (for work that uses more threads).
inline std::pair<double, double> MedianWallAndCpuMs(int reps, const std::function<void()>& fn) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < reps; ++i) {
    const double w = WallMs(), c = ProcessCpuMs();
    fn();
    wall.push_back(WallMs() - w);
    cpu.push_back(ProcessCpuMs() - c);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace bench
