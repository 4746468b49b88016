// A function instance's operating-system process: spawned in its own process group with a clean
// environment, stdout and stderr joined into one pipe that the engine reads into the function's
// log. All the process-level OS calls of the engine are here.
//
// Thread-safety: Spawn/KillGroup/PeakRssMb may be called from any thread; Reap from one thread.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace cloud::lambda {

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is a path, or a name looked up in PATH
  std::vector<std::string> env;   // "NAME=value"; the child gets exactly these
  std::string cwd;                // working directory ("" = ours)
};

class ChildProcess {
 public:
  // Starts the process. Fails with NotFound when argv[0] cannot be executed.
  // Descriptors other than 0-2 are not inherited; stdin is /dev/null.
  static base::StatusOr<std::unique_ptr<ChildProcess>> Spawn(const SpawnSpec& spec);
  // Kills the process group and reaps the child if nobody did.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Read end of the stdout+stderr pipe, non-blocking; -1 once closed.
  int output_fd() const { return output_fd_; }
  // Becomes readable (poll) when the child exits.
  int exit_fd() const { return pid_fd_; }

  // SIGKILL to the whole process group (the runtime and anything it started).
  void KillGroup();
  // Collects the exit status once the child has exited; nullopt while it runs.
  std::optional<int> Reap();
  // Peak resident memory of the main process so far (VmHWM), in MB; 0 when unknown.
  int64_t PeakRssMb() const;
  void CloseOutput();

  // "exit status 1", "signal: killed" (the words Lambda uses in Runtime.ExitError).
  static std::string DescribeWaitStatus(int status);

 private:
  ChildProcess(pid_t pid, int output_fd, int pid_fd) : pid_(pid), output_fd_(output_fd), pid_fd_(pid_fd) {}
  pid_t pid_;
  int output_fd_;
  int pid_fd_;
  int status_fd_ = -1;  // /proc/<pid>/status
  bool reaped_ = false;
};

}  // namespace cloud::lambda
