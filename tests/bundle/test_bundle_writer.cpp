#include <csignal>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <sys/resource.h>

#include "bundle/bundle_reader.h"
#include "bundle/bundle_writer.h"
#include "temp_dir.h"
#include "util/errors.h"

namespace fs = std::filesystem;
using kmg::bundle::BundleWriter;
using kmg::bundle::Format;
using kmg::bundle::OutputSpec;

namespace {

// Every file of a bundle, as visit_bundle() hands them out, in visiting order.
std::vector<std::pair<std::string, std::string>> read_bundle(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> files;
  kmg::bundle::visit_bundle(path,
                            [&](const std::string& relpath, const kmg::bundle::ChunkPull& pull) {
                              files.emplace_back(relpath, kmg::bundle::read_all(pull));
                            });
  return files;
}

// Raw entry names of an archive, to see the top folder that visit_bundle strips.
std::vector<std::string> archive_names(const std::string& path) {
  std::vector<std::string> names;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  REQUIRE(archive_read_open_filename(a, path.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK)
    names.push_back(archive_entry_pathname(entry));
  archive_read_free(a);
  return names;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xFF);
  return s;
}

// Files left in `dir` whose name starts with `prefix` (temporary archives, staging folders).
std::vector<std::string> leftovers(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) found.push_back(name);
  }
  return found;
}

const std::map<std::string, std::string> kFiles = {
    {"manifest.json", "{\"tool\":1}\n"},
    {"clusters/kind/version.json", "{\"gitVersion\":\"v1.31.0\"}"},
    {"clusters/kind/namespaces/default/pods/web/logs/app.log", "line 1\nline 2\n"},
    {"clusters/kind-2/events.txt", ""},
    {"REPORT.md", "# report\n"},
    {"clusters/kind/a-b.txt", "dash sorts before slash"},
};

void write_sample(BundleWriter& writer) {
  for (const auto& [path, content] : kFiles) REQUIRE(writer.write_file(path, content));
}

}  // namespace

TEST_SUITE("bundle::writer") {
  TEST_CASE("plan_output picks the format and the top folder from the name") {
    auto spec = kmg::bundle::plan_output("", "20260204T101500Z");
    CHECK(spec.path == "must-gather-20260204T101500Z.tar.gz");
    CHECK(spec.format == Format::kTarGz);
    CHECK(spec.top_folder == "must-gather-20260204T101500Z");

    spec = kmg::bundle::plan_output("/tmp/out/ci-run.tgz", "T");
    CHECK(spec.format == Format::kTarGz);
    CHECK(spec.top_folder == "ci-run");
    CHECK(spec.path == "/tmp/out/ci-run.tgz");

    spec = kmg::bundle::plan_output("x/bundle.tar.zst", "T");
    CHECK(spec.format == Format::kTarZst);
    CHECK(spec.top_folder == "bundle");

    spec = kmg::bundle::plan_output("x/bundle.tar.gz", "T");
    CHECK(spec.format == Format::kTarGz);
    CHECK(spec.top_folder == "bundle");

    spec = kmg::bundle::plan_output("results/gather/", "T");
    CHECK(spec.format == Format::kDirectory);
    CHECK(spec.path == "results/gather");
    CHECK(spec.top_folder == "gather");
  }

  TEST_CASE("tar.gz, tar.zst and folder bundles read back the same files in sorted order") {
    kmg::testing::TempDir tmp;
    const std::vector<std::pair<std::string, Format>> outputs = {
        {tmp.path() + "/b.tar.gz", Format::kTarGz},
        {tmp.path() + "/b.tar.zst", Format::kTarZst},
        {tmp.path() + "/b-dir", Format::kDirectory}};
    for (const auto& [path, format] : outputs) {
      CAPTURE(path);
      BundleWriter writer(OutputSpec{path, format, "top"}, 0);
      write_sample(writer);
      CHECK(writer.finalize() == path);
      const auto files = read_bundle(path);
      REQUIRE(files.size() == kFiles.size());
      std::size_t i = 0;
      for (const auto& [relpath, content] : kFiles) {  // std::map: sorted like the bundle
        CHECK(files[i].first == relpath);
        CHECK(files[i].second == content);
        ++i;
      }
      // The staging folder is gone and nothing temporary is left next to the output.
      CHECK(leftovers(tmp.path(), fs::path(path).filename().string() + ".").empty());
      if (format != Format::kDirectory) {
        for (const auto& name : archive_names(path)) CHECK(name.rfind("top", 0) == 0);
        CHECK(archive_names(path).front() == "top/");
      } else {
        CHECK(fs::is_regular_file(path + "/REPORT.md"));
      }
    }
  }

  TEST_CASE("UTF-8 file names survive tar.gz (LC_CTYPE made UTF-8 at start-up, as main does)") {
    kmg::testing::TempDir tmp;
    const std::string path = tmp.path() + "/u.tar.gz";
    const std::string name = "pods/unicode-\u00fcn\u00ef-\u65e5\u672c/describe.txt";
    BundleWriter writer(OutputSpec{path, Format::kTarGz, "top"}, 0);
    REQUIRE(writer.write_file(name, "content"));
    CHECK(writer.finalize() == path);
    const auto files = read_bundle(path);
    REQUIRE(files.size() == 1);
    CHECK(files[0].first == name);
    CHECK(files[0].second == "content");
  }

  TEST_CASE("large files stream through in bounded chunks") {
    kmg::testing::TempDir tmp;
    const std::string big = random_bytes(3 * 1024 * 1024 + 17, 7);
    for (Format format : {Format::kTarZst, Format::kDirectory}) {
      const std::string path =
          tmp.path() + (format == Format::kDirectory ? "/big" : "/big.tar.zst");
      BundleWriter writer(OutputSpec{path, format, "big"}, 0);
      {
        auto stream = writer.open_stream("logs/big.bin");
        REQUIRE(stream);
        for (std::size_t at = 0; at < big.size(); at += 100000) {
          REQUIRE(stream->write(std::string_view(big).substr(at, 100000)));
        }
        CHECK(stream->bytes() == big.size());
      }
      writer.finalize();
      std::size_t largest_chunk = 0;
      std::string back;
      kmg::bundle::visit_bundle(
          path, [&](const std::string& relpath, const kmg::bundle::ChunkPull& pull) {
            CHECK(relpath == "logs/big.bin");
            std::string_view chunk;
            while (pull(chunk)) {
              largest_chunk = std::max(largest_chunk, chunk.size());
              back.append(chunk);
            }
          });
      CHECK(back == big);
      CHECK(largest_chunk <= 64 * 1024);
    }
  }

  TEST_CASE("writes beyond the size budget are refused and flagged") {
    kmg::testing::TempDir tmp;
    BundleWriter writer(OutputSpec{tmp.path() + "/out", Format::kDirectory, "t"}, 100);
    CHECK(writer.write_file("a.txt", std::string(60, 'a')));
    CHECK_FALSE(writer.budget_exhausted());
    CHECK_FALSE(writer.write_file("b.txt", std::string(60, 'b')));
    CHECK(writer.budget_exhausted());
    CHECK_FALSE(fs::exists(writer.staging_dir() + "/b.txt"));
    CHECK(writer.write_file("c.txt", std::string(40, 'c')));
    CHECK(writer.bytes_written() == 100);

    auto stream = writer.open_stream("d.txt");
    REQUIRE(stream);
    CHECK_FALSE(stream->write("x"));
    CHECK_FALSE(stream->write(""));  // a refused stream stays refused
    stream->close();
    CHECK(fs::file_size(writer.staging_dir() + "/d.txt") == 0);
  }

  TEST_CASE("a stream refused mid-way keeps a clean prefix") {
    kmg::testing::TempDir tmp;
    BundleWriter writer(OutputSpec{tmp.path() + "/out", Format::kDirectory, "t"}, 10);
    auto stream = writer.open_stream("log.txt");
    REQUIRE(stream);
    CHECK(stream->write("12345"));
    CHECK_FALSE(stream->write("678901"));
    CHECK_FALSE(stream->write("6"));  // would fit, but would leave a hole in the file
    stream->close();
    CHECK(kmg::testing::read_file(writer.staging_dir() + "/log.txt") == "12345");
  }

  TEST_CASE("rewriting a file gives back the bytes of the old one") {
    kmg::testing::TempDir tmp;
    BundleWriter writer(OutputSpec{tmp.path() + "/out", Format::kDirectory, "t"}, 0);
    REQUIRE(writer.write_file("REPORT.md", std::string(50, 'x')));
    REQUIRE(writer.write_file("REPORT.md", std::string(20, 'y')));
    CHECK(writer.bytes_written() == 20);
  }

  TEST_CASE("concurrent writers from many threads") {
    kmg::testing::TempDir tmp;
    BundleWriter writer(OutputSpec{tmp.path() + "/out.tar.gz", Format::kTarGz, "t"}, 0);
    constexpr int kThreads = 8;
    constexpr int kFilesPerThread = 50;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < kFilesPerThread; ++i) {
          const std::string dir =
              "clusters/c" + std::to_string(t) + "/shared/f" + std::to_string(i);
          if (i % 2 == 0) {
            writer.write_file(dir + ".txt",
                              "thread " + std::to_string(t) + " file " + std::to_string(i));
          } else {
            auto stream = writer.open_stream(dir + ".log");
            stream->write("thread " + std::to_string(t));
            stream->write(" file " + std::to_string(i));
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    const auto files = read_bundle(writer.finalize());
    REQUIRE(files.size() == kThreads * kFilesPerThread);
    std::uint64_t total = 0;
    for (const auto& [relpath, content] : files) {
      const auto t = relpath.substr(10, relpath.find('/', 10) - 10);
      const auto i =
          relpath.substr(relpath.rfind("/f") + 2, relpath.rfind('.') - relpath.rfind("/f") - 2);
      CHECK(content == "thread " + t + " file " + i);
      total += content.size();
    }
    CHECK(writer.bytes_written() == total);
    CHECK(std::is_sorted(files.begin(), files.end()));
  }

  TEST_CASE("copy_in copies files and folders but not symlinks") {
    kmg::testing::TempDir tmp;
    const std::string outside = tmp.write("secret/outside.txt", "must not be copied");
    tmp.write("attach/one.txt", "1");
    tmp.write("attach/sub/two.txt", "22");
    fs::create_symlink(outside, tmp.path() + "/attach/link.txt");
    fs::create_directory_symlink(tmp.path() + "/secret", tmp.path() + "/attach/linkdir");
    const std::string single = tmp.write("single.log", "solo");

    BundleWriter writer(OutputSpec{tmp.path() + "/out", Format::kDirectory, "t"}, 0);
    writer.copy_in(tmp.path() + "/attach", "attachments/attach");
    writer.copy_in(single, "attachments/single.log");
    CHECK_THROWS_AS(writer.copy_in(tmp.path() + "/missing", "attachments/missing"), kmg::Error);
    const auto files = read_bundle(writer.finalize());
    REQUIRE(files.size() == 3);
    CHECK(files[0] == std::pair<std::string, std::string>("attachments/attach/one.txt", "1"));
    CHECK(files[1] == std::pair<std::string, std::string>("attachments/attach/sub/two.txt", "22"));
    CHECK(files[2] == std::pair<std::string, std::string>("attachments/single.log", "solo"));
  }

  TEST_CASE("paths that climb out of the bundle are rejected") {
    kmg::testing::TempDir tmp;
    BundleWriter writer(OutputSpec{tmp.path() + "/out", Format::kDirectory, "t"}, 0);
    for (const std::string& bad : std::vector<std::string>{"../escape", "/etc/passwd", "a/../../b",
                                                           "", "a//b", std::string("a\0b", 3)}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(writer.write_file(bad, "x"), kmg::Error);
      CHECK_THROWS_AS(writer.open_stream(bad), kmg::Error);
    }
    CHECK_FALSE(fs::exists(tmp.path() + "/escape"));
  }

  TEST_CASE("a file that cannot be written is refused and remembered") {
    kmg::testing::TempDir tmp;
    BundleWriter writer(OutputSpec{tmp.path() + "/out", Format::kDirectory, "t"}, 0);
    REQUIRE(writer.write_file("taken", "a file where a folder is wanted"));
    CHECK_FALSE(writer.write_failed());
    CHECK_FALSE(writer.write_file("taken/inside.txt", "x"));
    CHECK(writer.write_failed());
    CHECK(writer.open_stream("taken/stream.txt") == nullptr);
    // The refusal is not a budget matter, and the files written before it stay.
    CHECK_FALSE(writer.budget_exhausted());
    CHECK(writer.bytes_written() == std::string("a file where a folder is wanted").size());
    const std::string out = writer.finalize();
    CHECK(fs::is_regular_file(out + "/taken"));
  }

  TEST_CASE("an output folder that cannot be written is reported with its path") {
    kmg::testing::TempDir tmp;
    const std::string file = tmp.write("not-a-dir", "x");
    const std::string output = file + "/bundle.tar.gz";
    try {
      BundleWriter writer(kmg::bundle::plan_output(output, "T"), 0);
      FAIL("the writer should not start");
    } catch (const kmg::Error& e) {
      const std::string message = e.what();
      CHECK(message.find(file) != std::string::npos);
      CHECK(message.find("Not a directory") != std::string::npos);
    }
  }

  TEST_CASE("a folder output that already exists is refused") {
    kmg::testing::TempDir tmp;
    fs::create_directory(tmp.path() + "/taken");
    CHECK_THROWS_AS(BundleWriter(OutputSpec{tmp.path() + "/taken", Format::kDirectory, "t"}, 0),
                    kmg::Error);
    // Appearing while the gather runs: finalize refuses and leaves the other folder alone.
    BundleWriter writer(OutputSpec{tmp.path() + "/late", Format::kDirectory, "t"}, 0);
    writer.write_file("a.txt", "a");
    fs::create_directory(tmp.path() + "/late");
    const std::string late = tmp.path() + "/late";
    CHECK_THROWS_WITH_AS(writer.finalize(), doctest::Contains(late.c_str()), kmg::Error);
    CHECK(fs::is_empty(tmp.path() + "/late"));
    writer.abandon();
    CHECK(leftovers(tmp.path(), "late.partial-").empty());
  }

  TEST_CASE("a failing finalize leaves nothing under the final name") {
    kmg::testing::TempDir tmp;
    const std::string path = tmp.path() + "/full.tar.gz";
    BundleWriter writer(OutputSpec{path, Format::kTarGz, "t"}, 0);
    // Incompressible content larger than the file size limit set below: the archive write
    // fails the way a full disk does (EFBIG instead of ENOSPC).
    REQUIRE(writer.write_file("noise.bin", random_bytes(512 * 1024, 3)));
    rlimit old{};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 64 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string message;
    try {
      writer.finalize();
    } catch (const kmg::Error& e) {
      message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    CHECK(message.find(path) != std::string::npos);
    CHECK_FALSE(fs::exists(path));
    CHECK(leftovers(tmp.path(), "full.tar.gz.tmp-").empty());
    // The staged files survive a failed finalize (a retry or abandon decides), abandon clears all.
    CHECK(fs::exists(writer.staging_dir() + "/noise.bin"));
    writer.abandon();
    CHECK(fs::is_empty(tmp.path()));
  }

  TEST_CASE("abandon and the destructor remove the staging folder") {
    kmg::testing::TempDir tmp;
    std::string staging;
    {
      BundleWriter writer(OutputSpec{tmp.path() + "/x.tar.gz", Format::kTarGz, "t"}, 0);
      writer.write_file("a/b.txt", "b");
      staging = writer.staging_dir();
      CHECK(fs::is_regular_file(staging + "/a/b.txt"));
      CHECK(fs::path(staging).parent_path().parent_path() == fs::path(tmp.path()));
    }
    CHECK_FALSE(fs::exists(staging));
    CHECK(fs::is_empty(tmp.path()));
  }
}

TEST_SUITE("bundle::reader") {
  TEST_CASE("errors name the bundle") {
    kmg::testing::TempDir tmp;
    const std::string missing = tmp.path() + "/missing.tar.gz";
    CHECK_THROWS_WITH_AS(read_bundle(missing), doctest::Contains(missing.c_str()), kmg::Error);
    const std::string garbage = tmp.write("garbage.tar.gz", std::string(1000, '\x01'));
    CHECK_THROWS_WITH_AS(read_bundle(garbage), doctest::Contains(garbage.c_str()), kmg::Error);
  }

  TEST_CASE("a visitor may stop reading early") {
    kmg::testing::TempDir tmp;
    const std::string path = tmp.path() + "/early.tar.gz";
    BundleWriter writer(OutputSpec{path, Format::kTarGz, "t"}, 0);
    writer.write_file("a.bin", random_bytes(200 * 1024, 1));
    writer.write_file("b.txt", "second");
    writer.finalize();
    std::vector<std::string> seen;
    kmg::bundle::visit_bundle(path,
                              [&](const std::string& relpath, const kmg::bundle::ChunkPull& pull) {
                                if (relpath == "a.bin") {
                                  std::string_view chunk;
                                  CHECK(pull(chunk));  // one chunk, then move on
                                  seen.push_back(relpath);
                                } else {
                                  seen.push_back(relpath + "=" + kmg::bundle::read_all(pull));
                                }
                              });
    CHECK(seen == std::vector<std::string>{"a.bin", "b.txt=second"});
  }
}
