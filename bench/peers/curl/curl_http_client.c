/* bench/peers/curl/curl_http_client.c — the libcurl peer of the HTTP client benchmark
 * (bench/peers/README.md, "HTTP client"): one multi handle driving C easy handles.
 *
 * Usage: curl_http_client --url URL [--requests N] [--conns C]
 *
 * C easy handles (default 50) GET URL; each finished transfer is checked for 200 and its
 * handle re-added until N requests (default 200000) have been started. The multi handle's
 * connection cache keeps the C keep-alive connections (CURLMOPT_MAX_TOTAL_CONNECTIONS and
 * CURLMOPT_MAXCONNECTS = C); the loop is curl_multi_perform + curl_multi_poll. Bodies are
 * read and dropped. Prints `http_client requests=N conns=C wall_s=<float> cpu_s=<float>`
 * (cpu_s: getrusage RUSAGE_SELF over the requests only). Exits 1 when a transfer fails.
 * For https:// URLs, SSL_CERT_FILE (as OpenSSL, Go and Python read it) names the CA bundle:
 * libcurl would otherwise use its built-in one. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static double wall_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t discard(char* data, size_t size, size_t count, void* user) {
  (void)data;
  (void)user;
  return size * count;
}

static int usage(void) {
  fputs("usage: curl_http_client --url URL [--requests N] [--conns C]\n", stderr);
  return 2;
}

int main(int argc, char** argv) {
  const char* url = NULL;
  long requests = 200000, conns = 50;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
      url = argv[++i];
    } else if ((strcmp(argv[i], "--requests") == 0 || strcmp(argv[i], "--conns") == 0) &&
               i + 1 < argc) {
      char* end = NULL;
      long value = strtol(argv[i + 1], &end, 10);
      if (*end != '\0' || value < 1) return usage();
      *(strcmp(argv[i], "--requests") == 0 ? &requests : &conns) = value;
      ++i;
    } else {
      return usage();
    }
  }
  if (url == NULL) return usage();
  if (conns > requests) conns = requests;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, conns);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conns);
  const char* ca_file = getenv("SSL_CERT_FILE");
  double cpu_before = cpu_seconds(), wall_before = wall_seconds();
  long started = 0, finished = 0;
  for (long i = 0; i < conns; ++i) {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    if (ca_file != NULL) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file);
    curl_multi_add_handle(multi, easy);
    ++started;
  }
  while (finished < requests) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      fputs("curl_http_client: curl_multi_perform failed\n", stderr);
      return 1;
    }
    CURLMsg* msg;
    int queued;
    while ((msg = curl_multi_info_read(multi, &queued)) != NULL) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      if (msg->data.result != CURLE_OK || status != 200) {
        fprintf(stderr, "curl_http_client: GET %s: %s, status %ld\n", url,
                curl_easy_strerror(msg->data.result), status);
        return 1;
      }
      ++finished;
      curl_multi_remove_handle(multi, easy);
      if (started < requests) {
        curl_multi_add_handle(multi, easy);
        ++started;
      } else {
        curl_easy_cleanup(easy);
      }
    }
    if (finished < requests && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK) {
      fputs("curl_http_client: curl_multi_poll failed\n", stderr);
      return 1;
    }
  }
  double wall = wall_seconds() - wall_before, cpu = cpu_seconds() - cpu_before;
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  printf("http_client requests=%ld conns=%ld wall_s=%.6f cpu_s=%.6f\n", requests, conns, wall, cpu);
  return 0;
}
