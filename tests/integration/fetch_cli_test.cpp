// tests/integration/fetch_cli_test.cpp — the corio-fetch binary as users run it, against
// peers the tests start on 127.0.0.1: a corio HTTP server on its own thread (successes,
// 500s, 429 with Retry-After, slow answers, redirects, header echo), a listener that resets
// every connection, tinyproxy (HTTP proxy) and microsocks (SOCKS5) for --proxy rotation.
// Also: --resume, SIGINT mid-run losing nothing, malformed input lines, and both progress
// modes (the bar through a pseudo-terminal).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <corio/corio.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/server.hpp>

#include "child_process.hpp"

using namespace std::chrono_literals;
using corio::http::ServerRequest;
using corio::http::ServerResponse;

namespace {

std::string temp(const std::string& name) {
  return ::testing::TempDir() + "fetch_cli_" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  // A line cut off by a killed run stays (ended by the next run); it parses as discarded.
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line, nullptr, false));
  return lines;
}

std::map<std::string, nlohmann::json> by_url(const std::vector<nlohmann::json>& lines) {
  std::map<std::string, nlohmann::json> map;
  for (const auto& line : lines) map[line["url"].get<std::string>()] = line;
  return map;
}

// The test server: one corio loop on its own thread.
class TestServer {
 public:
  TestServer() {
    corio::http::ServerOptions options;
    options.shutdown_timeout = 100ms;
    server_ = std::make_unique<corio::http::MulticoreServer>([this] { return router(); },
                                                             std::move(options));
    server_->start("127.0.0.1", 0, 1);
  }
  ~TestServer() { server_->stop(); }
  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

 private:
  corio::http::Router router() {
    corio::http::Router r;
    r.get("/ok/{n}", [](ServerRequest& q) -> corio::Task<ServerResponse> {
      co_return ServerResponse::text("ok " + q.path_param("n"));
    });
    r.get("/status/{code}", [](ServerRequest& q) -> corio::Task<ServerResponse> {
      co_return ServerResponse::text("status", std::stoi(q.path_param("code")));
    });
    r.get("/slow/{n}", [](ServerRequest& q) -> corio::Task<ServerResponse> {
      co_await corio::sleep(3s);
      co_return ServerResponse::text("slow " + q.path_param("n"));
    });
    r.get("/redirect", [](ServerRequest&) -> corio::Task<ServerResponse> {
      ServerResponse response = ServerResponse::text("moved", 302);
      response.headers.set("Location", "/ok/target");
      co_return response;
    });
    r.get("/headers", [](ServerRequest& q) -> corio::Task<ServerResponse> {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [name, value] : q.headers()) headers[name] = value;
      co_return ServerResponse::json(headers);
    });
    r.get("/user-agents", [](ServerRequest& q) -> corio::Task<ServerResponse> {
      std::string agents;
      for (const auto& [name, value] : q.headers()) {
        if (corio::http::ascii_lower(name) == "user-agent") agents += value + ";";
      }
      co_return ServerResponse::text(agents);
    });
    r.route("*", "/content-type", [](ServerRequest& q) -> corio::Task<ServerResponse> {
      co_return ServerResponse::text(std::string(q.headers().first("Content-Type").value_or("")));
    });
    r.route("*", "/method", [](ServerRequest& q) -> corio::Task<ServerResponse> {
      std::string body;
      while (auto piece = co_await q.read_chunk()) body += *piece;
      co_return ServerResponse::text(q.method() + " " + body);
    });
    // First request for a key: 429 with Retry-After: 1; later ones: 200.
    r.get("/limited/{key}", [this](ServerRequest& q) -> corio::Task<ServerResponse> {
      std::lock_guard lock(mutex_);
      if (seen_.insert(q.path_param("key")).second) {
        ServerResponse response = ServerResponse::text("slow down", 429);
        response.headers.set("Retry-After", "1");
        co_return response;
      }
      co_return ServerResponse::text("thanks");
    });
    return r;
  }

  std::mutex mutex_;
  std::set<std::string> seen_;
  std::unique_ptr<corio::http::MulticoreServer> server_;
};

// Accepts connections and resets each one (RST) as soon as a request arrives.
class ResettingServer {
 public:
  ResettingServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 64);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      for (int i = 0; i < 1000 && !stop_; ++i) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) continue;
        char buffer[1024];
        (void)::read(client, buffer, sizeof buffer);
        linger hard{1, 0};
        ::setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        ::close(client);
      }
    });
  }
  ~ResettingServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct FetchRun {
  int status = -1;  // exit status, or -1
  std::string log;  // stdout and stderr
};

// Starts corio-fetch with `args`; stderr goes to a log, stdout too unless `output` is an fd
// (a pipe's write end), and stdin comes from `input` (-1: /dev/null).
pid_t start_fetch(const std::vector<std::string>& args, const std::string& log, int input = -1,
                  int output = -1) {
  std::vector<std::string> argv = {CORIO_FETCH_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(output >= 0 ? output : err, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::dup2(input >= 0 ? input : ::open("/dev/null", O_RDONLY), STDIN_FILENO);
    std::vector<char*> raw;
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(5ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

struct Interrupted {
  int status;                                // exit status, or -1
  std::chrono::steady_clock::duration took;  // from the SIGINT to the exit
  std::string log;                           // stdout and stderr
};

// Runs corio-fetch with `args`, sends it SIGINT (Ctrl-C) after `after`, and waits at most
// 20 s for it to exit.
Interrupted interrupt_fetch(const std::vector<std::string>& args, const std::string& log,
                            std::chrono::milliseconds after = 700ms) {
  const pid_t pid = start_fetch(args, log);
  std::this_thread::sleep_for(after);
  const auto interrupted = std::chrono::steady_clock::now();
  ::kill(pid, SIGINT);
  const int status = wait_exit(pid, 20s);
  const auto took = std::chrono::steady_clock::now() - interrupted;
  return {status, took, read_file(log)};
}

FetchRun fetch(const std::vector<std::string>& args, std::chrono::milliseconds limit = 30s) {
  const std::string log = temp("run.log");
  const pid_t pid = start_fetch(args, log);
  FetchRun run;
  run.status = wait_exit(pid, limit);
  run.log = read_file(log);
  return run;
}

// Runs corio-fetch with `args`, which write one result to `output`; that result's body, or
// a failure when the run or its output is not as expected.
std::string sole_body(const std::vector<std::string>& args, const std::string& output) {
  const FetchRun run = fetch(args);
  EXPECT_EQ(run.status, 0) << run.log;
  const auto lines = read_lines(output);
  EXPECT_EQ(lines.size(), 1u) << run.log;
  return lines.size() == 1 ? lines[0]["body"].get<std::string>() : std::string();
}

std::string write_urls(const std::string& name, const std::vector<std::string>& urls) {
  const std::string path = temp(name);
  std::ofstream out(path);
  for (const auto& url : urls) out << url << "\n";
  return path;
}

}  // namespace

TEST(FetchCli, FetchesSuccessesErrorsRedirectsAndResetsOneLineEach) {
  TestServer server;
  ResettingServer resetting;
  const std::string output = temp("mixed.jsonl");
  const FetchRun run =
      fetch({"-o", output, "-L", "--progress", "none", "-t", "1", server.url("/ok/1"),
             server.url("/status/500"), server.url("/redirect"), resetting.url("/x"),
             server.url("/slow/1"), "http://127.0.0.1:1/refused"});
  EXPECT_EQ(run.status, 1) << run.log;  // some URLs got no response
  auto lines = by_url(read_lines(output));
  ASSERT_EQ(lines.size(), 6u) << run.log;
  const auto& ok = lines[server.url("/ok/1")];
  EXPECT_EQ(ok["status"], 200);
  EXPECT_EQ(ok["body"], "ok 1");
  EXPECT_EQ(ok["bytes"], 4);
  EXPECT_EQ(ok["attempts"], 1);
  EXPECT_EQ(ok["headers"]["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(lines[server.url("/status/500")]["status"], 500);
  EXPECT_EQ(lines[server.url("/redirect")]["final_url"], server.url("/ok/target"));
  EXPECT_EQ(lines[server.url("/redirect")]["redirects"], 1);
  const std::string reset_class = lines[resetting.url("/x")]["error"]["class"];
  EXPECT_TRUE(reset_class == "ReadError" || reset_class == "RemoteProtocolError") << reset_class;
  const std::string slow_class = lines[server.url("/slow/1")]["error"]["class"];
  EXPECT_TRUE(slow_class == "ReadTimeout" || slow_class == "Timeout") << slow_class;
  EXPECT_EQ(lines["http://127.0.0.1:1/refused"]["error"]["class"], "ConnectError");
  EXPECT_NE(run.log.find("6 URLs in"), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("latency ms: p50"), std::string::npos) << run.log;
}

TEST(FetchCli, RetriesHonourRetryAfterAndStatusesAndGiveUpAfterTheLimit) {
  TestServer server;
  const std::string output = temp("retry.jsonl");
  const FetchRun run =
      fetch({"-o", output, "-q", "-r", "2", "--retry-backoff", "0.01", server.url("/limited/a"),
             server.url("/status/503"), "http://127.0.0.1:1/refused"});
  EXPECT_EQ(run.status, 1) << run.log;
  auto lines = by_url(read_lines(output));
  const auto& limited = lines[server.url("/limited/a")];
  EXPECT_EQ(limited["status"], 200);
  EXPECT_EQ(limited["attempts"], 2);
  EXPECT_GE(limited["elapsed_ms"].get<double>(), 900);  // waited out Retry-After: 1
  EXPECT_EQ(lines[server.url("/status/503")]["attempts"], 3);
  EXPECT_EQ(lines[server.url("/status/503")]["status"], 503);
  EXPECT_EQ(lines["http://127.0.0.1:1/refused"]["attempts"], 3);
}

// As curl: -d without -X sends a POST; -X still wins.
TEST(FetchCli, DataWithoutAMethodIsPosted) {
  TestServer server;
  const std::string output = temp("post.jsonl");
  EXPECT_EQ(sole_body({"-q", "-o", output, "-d", "a=1", server.url("/method")}, output),
            "POST a=1");
  EXPECT_EQ(sole_body({"-q", "-o", output, "-X", "PUT", "-d", "b", server.url("/method")}, output),
            "PUT b");
}

// As curl: -d data is a form unless -H says otherwise.
TEST(FetchCli, DataIsSentAsAFormUnlessAContentTypeIsGiven) {
  TestServer server;
  const std::string output = temp("content_type.jsonl");
  EXPECT_EQ(sole_body({"-q", "-o", output, "-d", "a=1", server.url("/content-type")}, output),
            "application/x-www-form-urlencoded");
  EXPECT_EQ(sole_body({"-q", "-o", output, "-H", "content-type: application/json", "-d", "{}",
                       server.url("/content-type")},
                      output),
            "application/json");
}

// As curl: -H User-Agent replaces the default instead of sending a second one.
TEST(FetchCli, AUserAgentHeaderReplacesTheDefault) {
  TestServer server;
  const std::string output = temp("agent.jsonl");
  EXPECT_EQ(sole_body({"-q", "-o", output, "-H", "user-agent: mine/1", server.url("/user-agents")},
                      output),
            "mine/1;");
  EXPECT_EQ(sole_body({"-q", "-o", output, server.url("/user-agents")}, output),
            "corio-fetch/0.1;");
}

// elapsed_ms (and the summary's latency) starts with the first attempt: time queued for
// --rate is not the server's.
TEST(FetchCli, ElapsedTimeDoesNotCountWaitingForTheRate) {
  TestServer server;
  const std::string output = temp("rate_elapsed.jsonl");
  const FetchRun run = fetch({"-q", "-o", output, "--rate", "2", server.url("/ok/1"),
                              server.url("/ok/2"), server.url("/ok/3")});
  EXPECT_EQ(run.status, 0) << run.log;
  const auto lines = read_lines(output);
  ASSERT_EQ(lines.size(), 3u) << run.log;
  for (const auto& line : lines) EXPECT_LT(line["elapsed_ms"].get<double>(), 400) << line;
}

// --rate 1e-300: the first request goes and the others wait "forever". Ctrl-C then lists
// them at once: a request still waiting for its rate token has not started, so it does not
// get the --grace period (5 s by default) that requests in flight get.
TEST(FetchCli, CtrlCLeavesRequestsWaitingForATinyRateAtOnce) {
  TestServer server;
  const std::vector<std::string> urls = {server.url("/ok/1"), server.url("/ok/2"),
                                         server.url("/ok/3")};
  const std::string output = temp("tiny_rate.jsonl");
  const std::string left = temp("tiny_rate.unprocessed");
  const std::string log = temp("tiny_rate.log");
  std::vector<std::string> args = {"-o",         output, "--rate",        "1e-300",
                                   "--progress", "none", "--unprocessed", left};
  args.insert(args.end(), urls.begin(), urls.end());
  const auto [status, took, text] = interrupt_fetch(args, log);
  EXPECT_EQ(status, 130) << text;
  EXPECT_LT(took, 3s) << text;
  EXPECT_NE(text.find("0 in flight get 5.0 s"), std::string::npos) << text;
  const auto lines = read_lines(output);
  ASSERT_EQ(lines.size(), 1u) << text;
  EXPECT_EQ(lines[0]["status"], 200);
  std::set<std::string> seen = {lines[0]["url"].get<std::string>()};
  std::ifstream list(left);
  for (std::string url; std::getline(list, url);) EXPECT_TRUE(seen.insert(url).second) << url;
  EXPECT_EQ(seen, std::set<std::string>(urls.begin(), urls.end())) << text;
}

// A Ctrl-C ends a retry's backoff at once: the URL keeps its last attempt's answer instead
// of sleeping out the backoff or being cancelled after the grace period. Nothing is left
// unprocessed, so the run exits 0.
TEST(FetchCli, CtrlCEndsARetryBackoffWithTheLastAnswer) {
  TestServer server;
  const std::string url = server.url("/status/503");
  const std::string output = temp("backoff.jsonl");
  const std::string log = temp("backoff.log");
  const auto [status, took, text] = interrupt_fetch(
      {"-o", output, "--retries", "3", "--retry-backoff", "30", "--progress", "none", url}, log);
  EXPECT_EQ(status, 0) << text;
  EXPECT_LT(took, 3s) << text;
  const auto lines = read_lines(output);
  ASSERT_EQ(lines.size(), 1u) << text;
  EXPECT_EQ(lines[0]["status"], 503);
  EXPECT_EQ(lines[0]["attempts"], 1);
}

TEST(FetchCli, FailOnDecidesTheExitStatus) {
  TestServer server;
  EXPECT_EQ(fetch({"-q", "-o", "/dev/null", server.url("/status/404")}).status, 0);
  EXPECT_EQ(fetch({"-q", "-o", "/dev/null", "--fail-on", "http", server.url("/status/404")}).status,
            1);
  EXPECT_EQ(fetch({"-q", "-o", "/dev/null", "--fail-on", "never", "http://127.0.0.1:1/"}).status,
            0);
}

TEST(FetchCli, MalformedLinesAreReportedPerLineAndTheRunGoesOn) {
  TestServer server;
  const std::string input =
      write_urls("malformed.txt", {server.url("/ok/1"), "not a url", "ftp://example.com/x",
                                   "http://[::1", std::string(70000, 'a'), server.url("/ok/2")});
  const std::string output = temp("malformed.jsonl");
  const FetchRun run = fetch({"-i", input, "-o", output, "--progress", "none"});
  EXPECT_EQ(run.status, 1);
  const auto lines = read_lines(output);
  ASSERT_EQ(lines.size(), 6u) << run.log;
  int ok = 0;
  for (const auto& line : lines) ok += line["status"] == 200 ? 1 : 0;
  EXPECT_EQ(ok, 2);
  EXPECT_NE(run.log.find("line 2: invalid URL 'not a url'"), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("line 3: unsupported scheme 'ftp'"), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("line 4: invalid URL"), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("line 5: "), std::string::npos) << run.log;
}

TEST(FetchCli, BadFilesAreReportedUpFrontWithoutRequests) {
  const FetchRun input = fetch({"-i", "/nonexistent/urls.txt"});
  EXPECT_EQ(input.status, 2);
  EXPECT_NE(input.log.find("cannot open input '/nonexistent/urls.txt'"), std::string::npos);
  const FetchRun output = fetch({"-o", "/nonexistent/dir/out.jsonl", "http://127.0.0.1:1/"});
  EXPECT_EQ(output.status, 2);
  EXPECT_NE(output.log.find("cannot open output"), std::string::npos);
  const FetchRun directory = fetch({"-i", ::testing::TempDir()});
  EXPECT_EQ(directory.status, 2);
  EXPECT_NE(directory.log.find("is a directory"), std::string::npos);
}

// Feeding an interrupted run's list back in, `-i left.txt --unprocessed left.txt`, must
// not empty left.txt before reading it.
TEST(FetchCli, AnOutputThatIsTheInputFileIsRefusedUpFront) {
  const std::string input = write_urls("same.txt", {"http://127.0.0.1:1/a"});
  const std::string contents = read_file(input);
  const FetchRun output = fetch({"-i", input, "-o", input});
  EXPECT_EQ(output.status, 2) << output.log;
  EXPECT_NE(output.log.find("is the input file"), std::string::npos) << output.log;
  const FetchRun left = fetch({"-i", input, "-o", "/dev/null", "--unprocessed", input});
  EXPECT_EQ(left.status, 2) << left.log;
  EXPECT_NE(left.log.find("--unprocessed '" + input + "' is the input file"), std::string::npos)
      << left.log;
  EXPECT_EQ(read_file(input), contents);
}

// The list would truncate the results --resume appends to.
TEST(FetchCli, AnUnprocessedListThatIsTheOutputIsRefusedUpFront) {
  const std::string output = temp("same_output.jsonl");
  std::ofstream(output) << R"({"url":"http://127.0.0.1:1/a","status":200})"
                        << "\n";
  const std::string contents = read_file(output);
  const FetchRun run =
      fetch({"-o", output, "--resume", "--unprocessed", output, "http://127.0.0.1:1/b"});
  EXPECT_EQ(run.status, 2) << run.log;
  EXPECT_NE(run.log.find("is the output file"), std::string::npos) << run.log;
  EXPECT_EQ(read_file(output), contents);
}

// After a run that got going, --unprocessed FILE lists exactly what that run left: nothing
// for a complete run. A run refused before any request leaves an earlier list as it was
// (and creates no file), so a mistyped rerun does not lose what is left to do.
TEST(FetchCli, TheUnprocessedFileIsEmptiedByACompleteRunAndKeptByARefusedOne) {
  TestServer server;
  const std::string left = temp("left_kept.txt");
  const std::string earlier = "http://127.0.0.1:1/left-by-an-earlier-run\n";
  std::ofstream(left) << earlier;
  const std::string not_a_dir = write_urls("left_not_a_dir", {"x"});
  const FetchRun refused = fetch({"-q", "-o", "/dev/null", "--unprocessed", left, "--save-dir",
                                  not_a_dir + "/bodies", server.url("/ok/1")});
  EXPECT_EQ(refused.status, 2) << refused.log;
  EXPECT_EQ(read_file(left), earlier) << refused.log;

  const std::string missing = temp("left_missing.txt");
  std::remove(missing.c_str());
  const FetchRun refused_too = fetch({"-q", "-o", "/dev/null", "--unprocessed", missing,
                                      "--save-dir", not_a_dir + "/bodies", server.url("/ok/1")});
  EXPECT_EQ(refused_too.status, 2) << refused_too.log;
  EXPECT_NE(::access(missing.c_str(), F_OK), 0) << "a refused run created " << missing;

  const FetchRun complete =
      fetch({"-q", "-o", "/dev/null", "--unprocessed", left, server.url("/ok/1")});
  EXPECT_EQ(complete.status, 0) << complete.log;
  EXPECT_EQ(::access(left.c_str(), F_OK), 0);
  EXPECT_EQ(read_file(left), "") << complete.log;
}

TEST(FetchCli, ResumeSkipsAnsweredUrlsAndRetriesFailedOnes) {
  TestServer server;
  const std::string output = temp("resume.jsonl");
  std::vector<std::string> urls;
  for (int i = 0; i < 20; ++i) urls.push_back(server.url("/ok/" + std::to_string(i)));
  urls.push_back("http://127.0.0.1:1/refused");
  const std::string input = write_urls("resume.txt", urls);
  // An earlier run answered the first 10 (and a line was cut off by a crash).
  {
    std::ofstream out(output);
    for (int i = 0; i < 10; ++i) {
      out << nlohmann::json{{"url", urls[static_cast<std::size_t>(i)]}, {"status", 200}}.dump()
          << "\n";
    }
    out << R"({"url":"http://127.0.0.1:1/refused","status":null,"error":{"class":"ConnectError"}})"
           "\n";
    out << R"({"url":"http://cut)";
  }
  const FetchRun run = fetch({"-i", input, "-o", output, "--resume", "--progress", "none"});
  EXPECT_EQ(run.status, 1) << run.log;
  EXPECT_NE(run.log.find("skipped (--resume): 10"), std::string::npos) << run.log;
  const auto lines = read_lines(output);  // the cut line was ended, not glued to a new one
  std::map<std::string, int> count;
  for (const auto& line : lines) {
    if (line.is_object()) ++count[line["url"].get<std::string>()];
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(count[urls[static_cast<std::size_t>(i)]], 1) << i;
  EXPECT_EQ(count["http://127.0.0.1:1/refused"], 2);
}

// Interrupting a resumed run lists only what is still to do, not what the output answers.
TEST(FetchCli, SigintDuringAResumedRunDoesNotListAnsweredUrls) {
  TestServer server;
  std::vector<std::string> urls = {server.url("/slow/a"), server.url("/slow/b"),
                                   server.url("/slow/c")};
  const std::string output = temp("resume_sigint.jsonl");
  {
    std::ofstream out(output);
    for (int i = 0; i < 50; ++i) {
      urls.push_back(server.url("/ok/" + std::to_string(i)));
      out << nlohmann::json{{"url", urls.back()}, {"status", 200}}.dump() << "\n";
    }
  }
  const std::string input = write_urls("resume_sigint.txt", urls);
  const std::string unprocessed = temp("resume_sigint.unprocessed");
  const std::string log = temp("resume_sigint.log");
  const pid_t pid = start_fetch({"-i", input, "-o", output, "--resume", "-c", "1", "--grace", "0",
                                 "--unprocessed", unprocessed, "--progress", "none"},
                                log);
  std::this_thread::sleep_for(500ms);
  ::kill(pid, SIGINT);
  const int status = wait_exit(pid, 20s);
  const std::string text = read_file(log);
  EXPECT_EQ(status, 130) << text;
  std::vector<std::string> left;
  std::ifstream list(unprocessed);
  for (std::string url; std::getline(list, url);) left.push_back(url);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>(urls.begin(), urls.begin() + 3))) << text;
  EXPECT_NE(text.find("skipped (--resume): 50"), std::string::npos) << text;
}

TEST(FetchCli, SigintMidRunLosesNoUrl) {
  TestServer server;
  std::vector<std::string> urls;
  for (int i = 0; i < 300; ++i) {
    urls.push_back(server.url((i % 3 == 0 ? "/slow/" : "/ok/") + std::to_string(i)));
  }
  const std::string input = write_urls("sigint.txt", urls);
  const std::string output = temp("sigint.jsonl");
  const std::string unprocessed = temp("sigint.unprocessed");
  const std::string log = temp("sigint.log");
  const pid_t pid = start_fetch({"-i", input, "-o", output, "-c", "20", "--grace", "0.2",
                                 "--unprocessed", unprocessed, "--progress", "lines"},
                                log);
  std::this_thread::sleep_for(700ms);
  ::kill(pid, SIGINT);
  const int status = wait_exit(pid, 20s);
  const std::string text = read_file(log);
  EXPECT_EQ(status, 130) << text;
  std::multiset<std::string> seen;
  for (const auto& line : read_lines(output)) seen.insert(line["url"].get<std::string>());
  const std::size_t answered = seen.size();
  std::ifstream left(unprocessed);
  std::string url;
  while (std::getline(left, url)) seen.insert(url);
  EXPECT_GT(answered, 0u);
  EXPECT_LT(answered, urls.size());
  const std::multiset<std::string> expected(urls.begin(), urls.end());
  for (const auto& u : expected) EXPECT_EQ(seen.count(u), 1u) << u;
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_NE(text.find("interrupted"), std::string::npos) << text;
  EXPECT_NE(text.find("were not processed"), std::string::npos) << text;
}

// A pipe that stays open (a producer still running): lines already read from it, and
// arguments not yet started, are listed as unprocessed, not dropped with the unread rest.
TEST(FetchCli, SigintWhileReadingAPipeListsEveryLineItRead) {
  TestServer server;
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) urls.push_back(server.url("/slow/arg" + std::to_string(i)));
  std::string lines;
  for (int i = 0; i < 100; ++i) {
    urls.push_back(server.url("/slow/" + std::to_string(i)));
    lines += urls.back() + "\n";
  }
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  const std::string output = temp("pipe.jsonl");
  const std::string unprocessed = temp("pipe.unprocessed");
  const std::string log = temp("pipe.log");
  std::vector<std::string> args = {
      "-i", "-", "-o", output, "-c", "2", "--grace", "0", "--unprocessed", unprocessed, "-q"};
  args.insert(args.end(), urls.begin(), urls.begin() + 3);
  const pid_t pid = start_fetch(args, log, pipe_fds[0]);
  ::close(pipe_fds[0]);
  EXPECT_EQ(::write(pipe_fds[1], lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  std::this_thread::sleep_for(700ms);
  ::kill(pid, SIGINT);
  const int status = wait_exit(pid, 20s);
  ::close(pipe_fds[1]);
  const std::string text = read_file(log);
  EXPECT_EQ(status, 130) << text;
  std::multiset<std::string> seen;
  for (const auto& line : read_lines(output)) seen.insert(line["url"].get<std::string>());
  std::ifstream left(unprocessed);
  std::string url;
  while (std::getline(left, url)) seen.insert(url);
  for (const auto& u : urls) EXPECT_EQ(seen.count(u), 1u) << u;
  EXPECT_EQ(seen.size(), urls.size());
  EXPECT_NE(text.find("the input after line 100 was not read"), std::string::npos) << text;
}

// `tail -f urls.log | corio-fetch -i -`: Ctrl-C must not wait for the next line to arrive.
TEST(FetchCli, SigintWhileAPipeDeliversNothingStopsAtOnce) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  const std::string log = temp("idle_pipe.log");
  const pid_t pid = start_fetch({"-i", "-", "-o", "/dev/null", "--grace", "0"}, log, pipe_fds[0]);
  ::close(pipe_fds[0]);
  std::this_thread::sleep_for(500ms);
  ::kill(pid, SIGINT);
  const int status = wait_exit(pid, 5s);  // -1: still waiting for input, killed
  ::close(pipe_fds[1]);
  const std::string text = read_file(log);
  EXPECT_EQ(status, 130) << text;
  EXPECT_NE(text.find("the input after line 0 was not read"), std::string::npos) << text;
}

// `corio-fetch -i urls.txt | head -1`: once the reader has gone, the run stops at once and
// dies of SIGPIPE as other filters do, without spilling the rest of the input on stderr.
// With --unprocessed FILE, what the reader never got is listed there.
TEST(FetchCli, AClosedOutputPipeStopsTheRunQuietly) {
  TestServer server;
  std::vector<std::string> urls;
  for (int i = 0; i < 20000; ++i) urls.push_back(server.url("/ok/" + std::to_string(i)));
  const std::string input = write_urls("epipe.txt", urls);
  const std::set<std::string> all(urls.begin(), urls.end());
  for (const bool listed : {false, true}) {
    SCOPED_TRACE(listed ? "with --unprocessed FILE" : "without --unprocessed");
    const std::string left = temp("epipe.unprocessed");
    std::remove(left.c_str());
    std::vector<std::string> args = {"-i", input, "-c", "4", "--progress", "lines"};
    if (listed) {
      args.push_back("--unprocessed");
      args.push_back(left);
    }
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    const std::string log = temp("epipe.log");
    const pid_t pid = start_fetch(args, log, -1, pipe_fds[1]);
    ::close(pipe_fds[1]);
    std::string first;  // as head -1: up to the first newline, then the reader goes
    char c = 0;
    while (first.size() < 100000 && ::read(pipe_fds[0], &c, 1) == 1 && c != '\n') first += c;
    ::close(pipe_fds[0]);
    const auto closed = std::chrono::steady_clock::now();
    const int status = wait_exit(pid, 20s);
    const auto took = std::chrono::steady_clock::now() - closed;
    const std::string text = read_file(log);
    EXPECT_EQ(status, 128 + SIGPIPE) << text.substr(0, 2000);
    EXPECT_LT(took, 5s);
    EXPECT_TRUE(first.starts_with(R"({"url":")")) << first;
    EXPECT_EQ(text.find("/ok/"), std::string::npos) << text.substr(0, 2000);
    EXPECT_EQ(text.find("unprocessed"), std::string::npos) << text.substr(0, 2000);
    if (listed) {
      std::set<std::string> seen;
      std::ifstream list(left);
      for (std::string url; std::getline(list, url);) {
        EXPECT_TRUE(all.contains(url)) << url;
        EXPECT_TRUE(seen.insert(url).second) << "listed twice: " << url;
      }
      EXPECT_TRUE(seen.contains(urls.back())) << seen.size() << " listed";
    }
  }
}

TEST(FetchCli, ProxiesAreRotatedPerRequest) {
  TestServer server;
  const std::uint16_t http_port = corio_test::free_port();
  const std::string config = temp("tinyproxy.conf");
  std::ofstream(config) << "Port " << http_port << "\nListen 127.0.0.1\nTimeout 30\n"
                        << "MaxClients 20\nAllow 127.0.0.1\nLogLevel Info\n"
                        << "LogFile \"" << temp("tinyproxy.log") << "\"\n"
                        << "PidFile \"" << temp("tinyproxy.pid") << "\"\n";
  corio_test::Child tinyproxy({"tinyproxy", "-d", "-c", config}, temp("tinyproxy.out"));
  const std::uint16_t socks_port = corio_test::free_port();
  corio_test::Child microsocks({"microsocks", "-i", "127.0.0.1", "-p", std::to_string(socks_port)},
                               temp("microsocks.log"));
  ASSERT_TRUE(corio_test::wait_for_port(http_port)) << tinyproxy.log_text();
  ASSERT_TRUE(corio_test::wait_for_port(socks_port)) << microsocks.log_text();
  const std::string output = temp("proxies.jsonl");
  const FetchRun run =
      fetch({"-o", output, "-q", "-c", "1", "-x", "http://127.0.0.1:" + std::to_string(http_port),
             "-x", "socks5://127.0.0.1:" + std::to_string(socks_port), server.url("/headers"),
             server.url("/headers"), server.url("/headers"), server.url("/headers")});
  EXPECT_EQ(run.status, 0) << run.log;
  const auto lines = read_lines(output);
  ASSERT_EQ(lines.size(), 4u);
  int via_http_proxy = 0;
  for (const auto& line : lines) {
    EXPECT_EQ(line["status"], 200);
    const std::string body = line["body"];
    via_http_proxy += body.find("tinyproxy") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(via_http_proxy, 2);  // tinyproxy adds "Via: 1.1 tinyproxy"; microsocks adds nothing
}

TEST(FetchCli, ProgressIsPlainLinesWhenStderrIsNotATerminal) {
  TestServer server;
  std::vector<std::string> urls;
  for (int i = 0; i < 6; ++i) urls.push_back(server.url("/slow/" + std::to_string(i)));
  urls.push_back(server.url("/ok/1"));
  const std::string input = write_urls("lines.txt", urls);
  const FetchRun run = fetch(
      {"-i", input, "-o", "/dev/null", "-c", "10", "-t", "0.5", "--progress-interval", "0.1"});
  EXPECT_NE(run.log.find("progress: "), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("/7 done"), std::string::npos) << run.log;
  EXPECT_EQ(run.log.find('\r'), std::string::npos) << run.log;
  EXPECT_EQ(run.log.find("\033["), std::string::npos) << run.log;
}

struct TerminalRun {
  int status = -1;
  std::string screen;  // what stderr drew on the terminal
};

// Runs corio-fetch with stderr on a pseudo-terminal, and stdout too when `results_shown`
// (else /dev/null); SIGINT after `interrupt_after` unless it is zero.
TerminalRun run_on_terminal(const std::vector<std::string>& args,
                            std::chrono::milliseconds interrupt_after = 0ms,
                            bool results_shown = false) {
  TerminalRun run;
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return run;
  if (pid == 0) {
    if (!results_shown) ::dup2(::open("/dev/null", O_WRONLY), STDOUT_FILENO);
    std::vector<std::string> argv = {CORIO_FETCH_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  const auto start = std::chrono::steady_clock::now();
  bool interrupted = interrupt_after == 0ms;
  while (std::chrono::steady_clock::now() < start + 20s) {
    if (!interrupted && std::chrono::steady_clock::now() >= start + interrupt_after) {
      ::kill(pid, SIGINT);
      interrupted = true;
    }
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the child is gone
    run.screen.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(master);
  run.status = wait_exit(pid, 5s);
  return run;
}

// With URLs only on the command line, the total is known from the start.
TEST(FetchCli, ProgressKnowsTheTotalOfCommandLineUrls) {
  TestServer server;
  const FetchRun run = fetch({"-o", "/dev/null", "-c", "1", "-t", "0.3", "--progress", "lines",
                              "--progress-interval", "0.1", server.url("/slow/1"),
                              server.url("/slow/2"), server.url("/slow/3")});
  EXPECT_NE(run.log.find("progress: 0/3 done"), std::string::npos) << run.log;
  EXPECT_EQ(run.log.find("/? done"), std::string::npos) << run.log;
}

TEST(FetchCli, ProgressIsABarRedrawnInPlaceOnATerminal) {
  TestServer server;
  std::vector<std::string> urls;
  for (int i = 0; i < 4; ++i) urls.push_back(server.url("/slow/" + std::to_string(i)));
  const std::string input = write_urls("bar.txt", urls);
  const TerminalRun run = run_on_terminal({"-i", input, "-c", "4", "-t", "0.4"});
  const std::string& screen = run.screen;
  EXPECT_EQ(run.status, 1) << screen;
  EXPECT_NE(screen.find("\r["), std::string::npos) << screen;
  EXPECT_NE(screen.find("\033[K"), std::string::npos) << screen;
  EXPECT_NE(screen.find("0/4"), std::string::npos) << screen;
  EXPECT_NE(screen.find("in flight 4"), std::string::npos) << screen;
  EXPECT_NE(screen.find("4/4"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("progress: "), std::string::npos) << screen;
}

// The bar is redrawn during the grace period; the list that follows starts on its own line.
TEST(FetchCli, TheUnprocessedListDoesNotRunIntoTheBar) {
  TestServer server;
  std::vector<std::string> urls;
  for (int i = 0; i < 6; ++i) urls.push_back(server.url("/slow/" + std::to_string(i)));
  const std::string input = write_urls("bar_sigint.txt", urls);
  const TerminalRun run = run_on_terminal({"-i", input, "-c", "2", "--grace", "0.5"}, 500ms);
  EXPECT_EQ(run.status, 130) << run.screen;
  const auto list = run.screen.find("corio-fetch: unprocessed URLs");
  ASSERT_NE(list, std::string::npos) << run.screen;
  const std::string before = run.screen.substr(0, list);
  EXPECT_TRUE(before.ends_with("\r\033[K") || before.ends_with("\n")) << run.screen;
}

// `corio-fetch URL...` in a terminal: each result starts its own line, never the bar's.
TEST(FetchCli, ResultsOnTheSameTerminalAreNotWrittenIntoTheBar) {
  TestServer server;
  const TerminalRun run = run_on_terminal(
      {"-c", "3", server.url("/ok/1"), server.url("/slow/1"), server.url("/slow/2")}, 0ms, true);
  EXPECT_EQ(run.status, 0) << run.screen;
  int results = 0;
  for (auto at = run.screen.find("{\"url\""); at != std::string::npos;
       at = run.screen.find("{\"url\"", at + 1)) {
    ++results;
    const std::string before = run.screen.substr(0, at);
    EXPECT_TRUE(at == 0 || before.ends_with("\r\033[K") || before.ends_with("\n")) << run.screen;
  }
  EXPECT_EQ(results, 3) << run.screen;
  EXPECT_NE(run.screen.find("\r["), std::string::npos) << run.screen;
}
