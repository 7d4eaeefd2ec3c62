// tests/examples/examples_test.cpp — runs the article's examples as a user would and checks
// their output and wall time (generous bounds: these are behaviour checks, not benchmarks).
// ctest runs it once per backend; the programs inherit CORIO_BACKEND from it.
//
// Wall time on a shared machine can only come out too long, never too short: a stall of the
// host (CI saw 0.7 s once, hitting two runs at the same moment) adds to it. So a run that is
// too slow is repeated, up to three runs, and the fastest is judged. A program that really
// waits one step after the other is slow every time and still fails.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace {

struct ProgramRun {
  std::string output;
  double seconds = 0;
  int status = -1;
};

ProgramRun run_program(const std::string& path) {
  ProgramRun run;
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = ::popen(path.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) run.output += buffer;
  run.status = ::pclose(pipe);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

// Runs the program until one run takes less than `under` seconds, at most three times, and
// returns the fastest run (its output is what the caller checks).
ProgramRun fastest_run(const std::string& path, double under) {
  ProgramRun fastest = run_program(path);
  for (int attempt = 1; attempt < 3 && fastest.seconds >= under; ++attempt) {
    ProgramRun again = run_program(path);
    std::printf("%s took %.2f s (want under %.2f s); ran it again: %.2f s\n", path.c_str(),
                fastest.seconds, under, again.seconds);
    if (again.seconds < fastest.seconds) fastest = std::move(again);
  }
  return fastest;
}

}  // namespace

TEST(Examples, MyCoroutinePrintsSleepsOneSecondAndPrints) {
  const ProgramRun run = fastest_run(MY_COROUTINE_PATH, 1.9);
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.output, "Start coroutine\nEnd coroutine\n");
  EXPECT_GE(run.seconds, 1.0);
  EXPECT_LT(run.seconds, 1.9);
}

// The examples pick their backend from the environment, so each ctest run uses the one it names.
TEST(Examples, ReadCorioBackendFromTheEnvironment) {
  const ProgramRun run = run_program("CORIO_BACKEND=carrier-pigeon " MY_COROUTINE_PATH " 2>&1");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("CORIO_BACKEND must be 'epoll' or 'io_uring', not 'carrier-pigeon'"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find("Start coroutine"), std::string::npos) << run.output;
}

TEST(Examples, TwoTasksFinishTogetherInAboutTwoSecondsNotThree) {
  const ProgramRun run = fastest_run(TWO_TASKS_PATH, 2.9);
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.output.rfind("Coroutine 1 started\nCoroutine 2 started\nCoroutine 2 finished\n"
                             "Coroutine 1 finished\nBoth tasks done in ",
                             0),
            0u)
      << run.output;
  EXPECT_GE(run.seconds, 2.0);
  EXPECT_LT(run.seconds, 2.9);
}

TEST(Examples, ApiCallsRunsBothCallsConcurrentlyAgainstItsEmbeddedApi) {
  const ProgramRun run = fastest_run(API_CALLS_PATH, 0.95);
  EXPECT_EQ(run.status, 0) << run.output;
  for (const char* line : {"Making API call to http://127.0.0.1:", "/posts/1: 200\n",
                           "/posts/2: 200\n", R"("id":1,"title":"post number 1")",
                           R"("id":2,"title":"post number 2")", "2 calls done in "}) {
    EXPECT_NE(run.output.find(line), std::string::npos) << line << " missing from:\n" << run.output;
  }
  // Each answer takes 0.5 s; made one after the other they would take 1 s.
  EXPECT_GE(run.seconds, 0.5);
  EXPECT_LT(run.seconds, 0.95) << run.output;
}

TEST(Examples, ApiCallsReportsAnUnreachableUrlAndFails) {
  const ProgramRun run =
      run_program(std::string(API_CALLS_PATH) + " http://127.0.0.1:1/posts/1 2>&1");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("api_calls: "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("127.0.0.1:1"), std::string::npos) << run.output;
}

TEST(Examples, HttpTourShowsEachClientFeatureAgainstItsOwnServer) {
  const ProgramRun run = run_program(HTTP_TOUR_PATH);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(
      run.output.find("GET /search -> 200 {\"hits\":10,\"query\":\"coroutines\"}\n"
                      "POST /items -> 201 {\"id\":42,\"name\":\"teapot\"}\n"
                      "GET /items/7 -> Client error '404 Not Found' for url 'http://127.0.0.1:"),
      0u)
      << run.output;
  EXPECT_NE(run.output.find("stream: event 1\nstream: event 2\nstream: event 3\n"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("GET /slow -> ReadTimeout: "), std::string::npos) << run.output;
}
