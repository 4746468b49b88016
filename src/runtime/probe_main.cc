// A stand-alone function binary with the built-in handlers of `edgeface fn` (src/cli/fn.cc), so
// the engine's and the runtime's tests run real function processes without the whole CLI.
namespace cli {
int RunFn(int argc, char** argv);
}

int main(int argc, char** argv) { return cli::RunFn(argc, argv); }
