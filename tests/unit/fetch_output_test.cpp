// tests/unit/fetch_output_test.cpp — corio-fetch's JSON lines (fields, headers, body
// encodings), content-addressed bodies, the output writer, and --resume's reading of them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "output.hpp"
#include "resume.hpp"

using corio_fetch::FetchResult;

namespace {

// Per process: ctest runs the epoll and io_uring runs of this binary at the same time.
std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "fetch_output_" + std::to_string(::getpid()) + "_" + name;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

FetchResult ok_result() {
  FetchResult result;
  result.url = "http://a/x";
  result.line = 3;
  result.final_url = "http://a/y";
  result.status = 200;
  result.headers = {{"Content-Type", "text/plain"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}};
  result.elapsed_ms = 1.23456;
  result.bytes = 5;
  result.attempts = 1;
  result.body = "hello";
  return result;
}

}  // namespace

TEST(FetchJsonLine, HasEveryFieldAndEndsWithANewline) {
  const std::string text = corio_fetch::to_json_line(ok_result());
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  const auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["url"], "http://a/x");
  EXPECT_EQ(line["line"], 3);
  EXPECT_EQ(line["final_url"], "http://a/y");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["elapsed_ms"], 1.235);
  EXPECT_EQ(line["bytes"], 5);
  EXPECT_EQ(line["attempts"], 1);
  EXPECT_TRUE(line["error"].is_null());
  EXPECT_EQ(line["body"], "hello");
  EXPECT_EQ(line["body_encoding"], "utf-8");
}

TEST(FetchJsonLine, HeaderNamesAreLowercasedAndRepeatedOnesBecomeArrays) {
  const auto line = nlohmann::json::parse(corio_fetch::to_json_line(ok_result()));
  EXPECT_EQ(line["headers"]["content-type"], "text/plain");
  EXPECT_EQ(line["headers"]["set-cookie"], nlohmann::json::array({"a=1", "b=2"}));
}

TEST(FetchJsonLine, ABodyThatIsNotUtf8GoesBase64) {
  FetchResult result = ok_result();
  result.body = std::string("\xff\x00\x01", 3);
  const auto line = nlohmann::json::parse(corio_fetch::to_json_line(result));
  EXPECT_EQ(line["body"], "/wAB");
  EXPECT_EQ(line["body_encoding"], "base64");
}

TEST(FetchJsonLine, ErrorsHaveClassAndMessageAndNoStatus) {
  FetchResult result;
  result.url = "http://a/";
  result.arg = 2;
  result.attempts = 3;
  result.error_class = "ConnectError";
  result.error_message = "connect to 127.0.0.1:1: Connection refused";
  const auto line = nlohmann::json::parse(corio_fetch::to_json_line(result));
  EXPECT_TRUE(line["status"].is_null());
  EXPECT_EQ(line["arg"], 2);
  EXPECT_FALSE(line.contains("line"));
  EXPECT_EQ(line["error"]["class"], "ConnectError");
  EXPECT_FALSE(line.contains("body"));
}

TEST(FetchJsonLine, InvalidUtf8InAUrlStillMakesValidJson) {
  FetchResult result;
  result.url = "http://a/\xc3(";
  result.error_class = "InvalidURL";
  const auto line = nlohmann::json::parse(corio_fetch::to_json_line(result));
  EXPECT_EQ(line["url"], "http://a/\xef\xbf\xbd(");
}

TEST(FetchUtf8, RejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(corio_fetch::is_valid_utf8("plain ascii"));
  EXPECT_TRUE(corio_fetch::is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(corio_fetch::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(corio_fetch::is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(corio_fetch::is_valid_utf8("\xe2\x82"));          // cut short
  EXPECT_FALSE(corio_fetch::is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(FetchBase64, PadsLikeRfc4648) {
  EXPECT_EQ(corio_fetch::base64_encode(""), "");
  EXPECT_EQ(corio_fetch::base64_encode("f"), "Zg==");
  EXPECT_EQ(corio_fetch::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(corio_fetch::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(corio_fetch::base64_encode("foobar"), "Zm9vYmFy");
}

TEST(FetchSaveBody, StoresUnderTheSha256OnceForEqualBodies) {
  const std::string dir = temp_path("bodies");
  std::filesystem::remove_all(dir);
  corio_fetch::prepare_save_dir(dir);
  const std::string sha = corio_fetch::sha256_hex("abc");
  EXPECT_EQ(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string path = corio_fetch::save_body(dir, "abc", sha);
  EXPECT_EQ(path, dir + "/ba/" + sha);
  EXPECT_EQ(read(path), "abc");
  EXPECT_EQ(corio_fetch::save_body(dir, "abc", sha), path);
}

TEST(FetchOutputWriter, AnUnwritableOutputIsReportedUpFront) {
  EXPECT_THROW(corio_fetch::OutputWriter("/nonexistent/dir/out.jsonl", false),
               corio_fetch::OutputError);
}

TEST(FetchOutputWriter, AppendingEndsACutOffLastLineFirst) {
  const std::string path = temp_path("append.jsonl");
  std::ofstream(path) << "{\"url\":\"http://a/1\",\"status\":200}\n{\"url\":\"http://a/2\",\"sta";
  {
    corio_fetch::OutputWriter writer(path, true);
    writer.write("{\"url\":\"http://a/3\",\"status\":200}\n");
  }
  EXPECT_EQ(read(path),
            "{\"url\":\"http://a/1\",\"status\":200}\n{\"url\":\"http://a/2\",\"sta\n"
            "{\"url\":\"http://a/3\",\"status\":200}\n");
}

TEST(FetchResume, ResponsesAndPermanentErrorsAnswerTransportErrorsDoNot) {
  const std::string path = temp_path("resume.jsonl");
  std::ofstream(path)
      << R"({"url":"http://a/ok","status":200,"error":null})"
      << "\n"
      << R"({"url":"http://a/404","status":404,"error":null})"
      << "\n"
      << R"({"url":"bad url","status":null,"error":{"class":"InvalidURL"}})"
      << "\n"
      << R"({"url":"http://a/refused","status":null,"error":{"class":"ConnectError"}})"
      << "\n"
      << R"({"url":"http://a/cut)"
      << "\n";
  const corio_fetch::ResumeState state = corio_fetch::load_resume_state(path);
  EXPECT_EQ(state.lines, 5u);
  EXPECT_EQ(state.bad_lines, 1u);
  EXPECT_TRUE(state.answered.contains("http://a/ok"));
  EXPECT_TRUE(state.answered.contains("http://a/404"));
  EXPECT_TRUE(state.answered.contains("bad url"));
  EXPECT_FALSE(state.answered.contains("http://a/refused"));
  EXPECT_FALSE(state.answered.contains("http://a/cut"));
  EXPECT_FALSE(state.answered.contains("http://a/other"));
}

// --save-dir on a full disk: the response arrived but its body was not stored.
TEST(FetchResume, AResponseWhoseBodyWasNotSavedIsFetchedAgain) {
  FetchResult result = ok_result();
  result.body.reset();
  result.error_class = "SaveError";
  result.error_message = "cannot write 'bodies/ab/ab12.part1'";
  std::string url;
  EXPECT_EQ(corio_fetch::classify_line(corio_fetch::to_json_line(result), url),
            corio_fetch::LineKind::to_retry);
  EXPECT_EQ(url, "http://a/x");
}

// A Latin-1 URL list: the output holds U+FFFD where the input has the byte 0xE9.
TEST(FetchResume, AUrlThatIsNotUtf8IsAnsweredByItsOwnLine) {
  FetchResult result = ok_result();
  result.url = "http://a/caf\xE9";
  const std::string path = temp_path("latin1.jsonl");
  std::ofstream(path) << corio_fetch::to_json_line(result);
  const corio_fetch::ResumeState state = corio_fetch::load_resume_state(path);
  EXPECT_TRUE(state.answered.contains("http://a/caf\xE9"));
  EXPECT_FALSE(state.answered.contains("http://a/caf"));
}

// `-o urls.txt --resume`: results must not be appended to a file that is not an output.
TEST(FetchResume, AFileThatIsNotAnOutputIsAnErrorNamingTheLine) {
  const std::string path = temp_path("not_output.jsonl");
  std::ofstream(path) << R"({"url":"http://a/1","status":200})"
                      << "\nhttp://a/2\n";
  try {
    (void)corio_fetch::load_resume_state(path);
    ADD_FAILURE() << "a URL list was taken for an output";
  } catch (const corio_fetch::OutputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2 is not a corio-fetch result"), std::string::npos)
        << e.what();
  }
}

TEST(FetchResume, AMissingOutputIsAFreshStart) {
  const corio_fetch::ResumeState state = corio_fetch::load_resume_state(temp_path("none.jsonl"));
  EXPECT_EQ(state.answered.size(), 0u);
}
