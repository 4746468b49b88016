// build/bin/edgeface: one binary, one subcommand per job (DESIGN.md §4).
#include <cstdio>
#include <cstring>
#include <iterator>

#include "cli/commands.h"

namespace cli {
// Declarations of the subcommands, one line each (implemented in src/cli/<name>.cc).
int RunCloud(int argc, char** argv);
int RunStack(int argc, char** argv);
int RunFn(int argc, char** argv);
int RunEmbed(int argc, char** argv);
int RunRecognize(int argc, char** argv);
int RunTrain(int argc, char** argv);
int RunVerify(int argc, char** argv);
int RunConvertModels(int argc, char** argv);
int RunEdge(int argc, char** argv);
}  // namespace cli

namespace {

// One row per subcommand, in the order `edgeface --help` lists them.
const cli::Command kCommands[] = {
    {"cloud", "run the local cloud (S3, DynamoDB, SQS, ...) on 127.0.0.1:4566", &cli::RunCloud},
    {"stack", "check a stack template or apply it to a running cloud (load/reload its data)", &cli::RunStack},
    {"fn", "run a built-in function under the Lambda Runtime API ($AWS_LAMBDA_RUNTIME_API)", &cli::RunFn},
    {"embed", "print the faces and 128-d descriptors of images", &cli::RunEmbed},
    {"recognize", "recognise the people in images or videos against a gallery", &cli::RunRecognize},
    {"train", "build a gallery from DIR/<person>/*.jpg and report validation accuracy", &cli::RunTrain},
    {"verify", "are two photos the same person? (descriptor distance)", &cli::RunVerify},
    {"convert-models", "write the face models in fast-loading form (set-up step)", &cli::RunConvertModels},
    {"edge", "run the camera device: clips to the spool and the cloud, frames to the functions", &cli::RunEdge},
    {nullptr, nullptr, nullptr},  // keeps the array non-empty; skipped below
};

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "edgeface: real-time face recognition on camera devices with a serverless backend\n\n"
               "usage: edgeface COMMAND [OPTIONS]   (edgeface COMMAND --help for each)\n\ncommands:\n");
  for (const cli::Command& c : kCommands) {
    if (c.name) std::fprintf(out, "  %-11s %s\n", c.name, c.summary);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const cli::Command& c : kCommands) {
    if (c.name && !std::strcmp(c.name, argv[1])) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "edgeface: unknown command '%s'\n\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
