// A function's code given as a Lambda deployment package (CodeUri: a .zip file), unpacked the
// way Lambda prepares /var/task: once, into a task root whose files and directories are
// read-only (chmod a-w), holding the package's executable `bootstrap` at its top.
#pragma once

#include <string>

#include "base/status.h"

namespace cloud::stack {

// Unpacks `zip_path` into <roots_dir>/<first 16 hex digits of the zip's SHA-256>/ and returns
// that directory. Content-addressed: a package already unpacked there is reused (a second start
// unpacks nothing; equal zips of several functions share one task root; a changed zip gets a new
// root, so the function's command changes and the stack updates it). The directory appears
// complete or not at all (unpacked beside it, then renamed).
//
// Uses /usr/bin/unzip, which keeps the archive's Unix modes and refuses entries with absolute
// or ../ paths. Errors: NotFound (no zip), InvalidArgument (not a zip, or no executable
// `bootstrap` at its top), Internal (unzip missing, disk).
base::StatusOr<std::string> UnpackCodeZip(const std::string& zip_path, const std::string& roots_dir);

// True when `path` names a Lambda zip package (ends in ".zip", any case).
bool IsZipCodeUri(const std::string& path);

}  // namespace cloud::stack
