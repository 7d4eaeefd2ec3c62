// tests/unit/fetch_input_test.cpp — corio-fetch's input: line splitting across chunks,
// comments and blanks, over-long lines, arguments before the file, unreadable inputs; and
// the command line's up-front checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include <corio/corio.hpp>

#include "input.hpp"
#include "options.hpp"

using corio_fetch::InputLine;
using corio_fetch::InputReader;
using corio_fetch::LineSplitter;

namespace {

std::string temp_file(const std::string& name, const std::string& contents) {
  // Per process: ctest runs the epoll and io_uring runs of this binary at the same time.
  const std::string path =
      ::testing::TempDir() + "fetch_input_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

corio_fetch::ParseResult parse(std::vector<const char*> args) {
  args.insert(args.begin(), "corio-fetch");
  return corio_fetch::parse_options(static_cast<int>(args.size()), args.data());
}

}  // namespace

TEST(FetchLineSplitter, JoinsLinesAcrossChunksAndTrimsThem) {
  LineSplitter splitter;
  std::deque<InputLine> lines;
  splitter.feed("http://a/1\r\n  http://a/", lines);
  splitter.feed("2  \n# comment\n\n", lines);
  splitter.feed("http://a/3", lines);
  splitter.finish(lines);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "http://a/1");
  EXPECT_EQ(lines[0].line, 1u);
  EXPECT_EQ(lines[1].text, "http://a/2");
  EXPECT_EQ(lines[1].line, 2u);
  EXPECT_EQ(lines[2].text, "http://a/3");
  EXPECT_EQ(lines[2].line, 5u);  // the comment and the blank line still count
}

TEST(FetchLineSplitter, AnOverlongLineIsMarkedAndCutShort) {
  LineSplitter splitter(16);
  std::deque<InputLine> lines;
  splitter.feed("http://a/" + std::string(100, 'x'), lines);
  splitter.feed(std::string(100, 'y') + "\nhttp://b/\n", lines);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].too_long);
  EXPECT_LE(lines[0].text.size(), 16u);
  EXPECT_FALSE(lines[1].too_long);
  EXPECT_EQ(lines[1].text, "http://b/");
  EXPECT_EQ(lines[1].line, 2u);
}

TEST(FetchLineSplitter, AnOverlongCommentIsStillSkipped) {
  LineSplitter splitter(16);
  std::deque<InputLine> lines;
  splitter.feed("  # " + std::string(100, 'x') + "\nhttp://b/\n", lines);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "http://b/");
  EXPECT_EQ(lines[0].line, 2u);
}

// Notepad and PowerShell's Out-File start a UTF-8 file with a byte order mark.
TEST(FetchLineSplitter, AByteOrderMarkBeforeTheFirstLineIsDropped) {
  LineSplitter splitter;
  std::deque<InputLine> lines;
  splitter.feed("\xEF\xBB", lines);
  splitter.feed("\xBFhttp://a/1\r\n\xEF\xBB\xBFhttp://a/2\n", lines);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "http://a/1");
  EXPECT_EQ(lines[1].text, "\xEF\xBB\xBFhttp://a/2");  // only the file's first bytes are a BOM
}

TEST(FetchInputReader, AByteOrderMarkBeforeACommentLeavesItAComment) {
  const std::string path = temp_file("bom", "\xEF\xBB\xBF# urls\r\nhttp://f/1\r\n");
  corio::run([&]() -> corio::Task<> {
    InputReader reader({}, path);
    const auto total = co_await reader.count_file_lines();
    EXPECT_EQ(total, 1u);
    const auto line = co_await reader.next();
    EXPECT_TRUE(line && line->text == "http://f/1" && line->line == 2);
  });
}

TEST(FetchInputReader, GivesArgumentsFirstThenTheFileAndCountsItsUrls) {
  const std::string path = temp_file("urls", "http://f/1\n#x\n\nhttp://f/2");
  corio::run([&]() -> corio::Task<> {
    InputReader reader({"http://arg/1"}, path);
    const auto total = co_await reader.count_file_lines();
    EXPECT_EQ(total, 2u);
    std::vector<std::string> texts;
    for (int i = 0; i < 10; ++i) {
      auto line = co_await reader.next();
      if (!line) break;
      texts.push_back(line->text + "@" + std::to_string(line->line) + "/" +
                      std::to_string(line->arg));
    }
    EXPECT_EQ(texts,
              (std::vector<std::string>{"http://arg/1@0/1", "http://f/1@1/0", "http://f/2@4/0"}));
    EXPECT_FALSE(reader.may_block_forever());
  });
}

TEST(FetchInputReader, AMissingFileOrADirectoryIsReportedUpFront) {
  EXPECT_THROW(InputReader({}, "/nonexistent/urls.txt"), corio_fetch::InputError);
  try {
    InputReader reader({}, ::testing::TempDir());
    ADD_FAILURE() << "a directory was accepted";
  } catch (const corio_fetch::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos);
  }
}

TEST(FetchOptions, DefaultsMatchTheDocumentation) {
  const auto parsed = parse({"http://a/"});
  ASSERT_TRUE(parsed.options);
  EXPECT_EQ(parsed.options->concurrency, 50u);
  EXPECT_EQ(parsed.options->method, "GET");
  EXPECT_EQ(parsed.options->retry_statuses, (std::vector<int>{429, 500, 502, 503, 504}));
}

TEST(FetchOptions, RepeatedFlagsAndListsAreCollected) {
  const auto parsed = parse({"-x", "http://127.0.0.1:1", "-x", "socks5://127.0.0.1:2", "-H",
                             "X-A: 1", "-H", "X-B:2", "--retry-on-status", "429,503", "http://a/"});
  ASSERT_TRUE(parsed.options) << parsed.message;
  EXPECT_EQ(parsed.options->proxies.size(), 2u);
  EXPECT_EQ(parsed.options->urls, std::vector<std::string>{"http://a/"});
  ASSERT_EQ(parsed.options->headers.size(), 2u);
  EXPECT_EQ(parsed.options->headers[1].second, "2");
  EXPECT_EQ(parsed.options->retry_statuses, (std::vector<int>{429, 503}));
}

TEST(FetchOptions, BadValuesAreUsageErrorsNamingTheProblem) {
  const auto no_urls = parse({});
  EXPECT_EQ(no_urls.exit_code, corio_fetch::exit_usage);
  const auto header = parse({"-H", "no colon", "http://a/"});
  EXPECT_NE(header.message.find("invalid header 'no colon'"), std::string::npos);
  const auto proxy = parse({"-x", "ftp://p", "http://a/"});
  EXPECT_NE(proxy.message.find("invalid proxy 'ftp://p'"), std::string::npos);
  const auto concurrency = parse({"-c", "0", "http://a/"});
  EXPECT_EQ(concurrency.exit_code, corio_fetch::exit_usage);
  const auto data = parse({"-d", "@/nonexistent/body", "http://a/"});
  EXPECT_NE(data.message.find("cannot read data file"), std::string::npos);
  const std::string at_directory = "@" + ::testing::TempDir();
  const auto directory = parse({"-X", "POST", "-d", at_directory.c_str(), "http://a/"});
  EXPECT_EQ(directory.exit_code, corio_fetch::exit_usage);
  EXPECT_NE(directory.message.find("it is a directory"), std::string::npos) << directory.message;
  const auto resume = parse({"--resume", "http://a/"});
  EXPECT_NE(resume.message.find("--resume needs -o"), std::string::npos);
  const auto resume_stdout = parse({"--resume", "-o", "-", "http://a/"});
  EXPECT_EQ(resume_stdout.exit_code, corio_fetch::exit_usage);
  EXPECT_NE(resume_stdout.message.find("--resume needs -o"), std::string::npos);
  const auto shared_stdout = parse({"--unprocessed", "-", "http://a/"});
  EXPECT_EQ(shared_stdout.exit_code, corio_fetch::exit_usage);
  EXPECT_NE(shared_stdout.message.find("would share stdout"), std::string::npos)
      << shared_stdout.message;
  const auto unprocessed_to_stdout = parse({"-o", "out.jsonl", "--unprocessed", "-", "http://a/"});
  EXPECT_TRUE(unprocessed_to_stdout.options.has_value()) << unprocessed_to_stdout.message;
}

TEST(FetchOptions, NumbersOutOfRangeNaNOrInfinityAreRefusedReadably) {
  const auto zero = parse({"-t", "0", "http://a/"});
  EXPECT_EQ(zero.exit_code, corio_fetch::exit_usage);
  EXPECT_NE(zero.message.find("--timeout: '0' is not a number > 0"), std::string::npos)
      << zero.message;
  const auto negative = parse({"--rate", "-5", "http://a/"});
  EXPECT_NE(negative.message.find("--rate: '-5' is not a number >= 0"), std::string::npos)
      << negative.message;
  EXPECT_EQ(negative.message.find("179769313"), std::string::npos) << negative.message;
  EXPECT_EQ(parse({"--rate", "nan", "http://a/"}).exit_code, corio_fetch::exit_usage);
  EXPECT_EQ(parse({"--burst", "nan", "http://a/"}).exit_code, corio_fetch::exit_usage);
  EXPECT_EQ(parse({"--grace", "inf", "http://a/"}).exit_code, corio_fetch::exit_usage);
  // Beyond the loop's nanosecond clock: every attempt timed out at once.
  EXPECT_EQ(parse({"-t", "1e10", "http://a/"}).exit_code, corio_fetch::exit_usage);
  EXPECT_EQ(parse({"--retry-max-wait", "1e17", "http://a/"}).exit_code, corio_fetch::exit_usage);
  EXPECT_TRUE(parse({"-t", "0.5", "--rate", "0", "--grace", "0", "http://a/"}).options);
}

TEST(FetchOptions, DataFromAFileIsReadUpFront) {
  const std::string path = temp_file("body", "a=1&b=2");
  const std::string at = "@" + path;
  const auto parsed = parse({"-X", "POST", "-d", at.c_str(), "http://a/"});
  ASSERT_TRUE(parsed.options);
  EXPECT_EQ(parsed.options->data, "a=1&b=2");
}
