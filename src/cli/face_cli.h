// Shared by the face subcommands (embed, recognize, train, verify, convert-models): argument
// parsing, loading the pipeline, per-file processing in parallel with ordered output.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "face/pipeline.h"
#include "media/image.h"

namespace cli::face_cli {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // --name VALUE or --name=VALUE
  std::set<std::string> flags;                // --name
  bool Has(const std::string& flag) const { return flags.count(flag) > 0; }
  std::string Get(const std::string& name, const std::string& fallback) const;
};

// Parses argv[1..]; options not in `value_options` or `flag_options` are errors. "--help" is a
// flag always accepted.
bool ParseArgs(int argc, char** argv, const std::set<std::string>& value_options,
               const std::set<std::string>& flag_options, Args* out, std::string* error);

// Number options: false (with *error set) when the value is not a number in [lo, hi].
bool GetDouble(const Args& args, const std::string& name, double fallback, double lo, double hi,
               double* out, std::string* error);

// --upsample N, --scan-pixels N (0 = no cap), --no-flip, --threshold T.
bool PipelineOptionsFrom(const Args& args, face::PipelineOptions* options, std::string* error);

// Loads the models from --models DIR or FacePipeline::DefaultModelsDir().
base::StatusOr<std::unique_ptr<face::FacePipeline>> LoadPipeline(const Args& args);

// FILES... plus the lines of --list FILE (blank lines skipped).
base::StatusOr<std::vector<std::string>> InputFiles(const Args& args);

// True when the bytes are an image we decode (by content); anything else is tried as a video.
bool LooksLikeImage(const std::string& bytes);

nlohmann::json BoxJson(const face::Box& box);
std::string ErrorLine(const std::string& file, const base::Status& status, bool json);

// Calls work(i) for i in [0, n) on `threads` threads and prints each returned line to stdout in
// index order as soon as it and all before it are done.
void RunOrdered(size_t n, int threads, const std::function<std::string(size_t)>& work);

// The usage error convention: message on stderr, exit code 2.
int UsageError(const char* command, const std::string& message);

}  // namespace cli::face_cli
