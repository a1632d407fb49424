// Tests of checkpoint_writer/checkpoint_reader: round trips, atomic replacement, interrupted
// writes and their recovery, concurrent commits, object parameters (nlohmann to_json/from_json),
// and the errors for bad targets, newer versions, corrupt manifests and mismatched arrays.
#include <spiketorch/io/checkpoint.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() / ("spiketorch-ckpt-" + tag + "-" + std::to_string(rd()) +
                                        "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path operator/(const std::string& name) const { return path / name; }
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p);
  out << s;
}

void replace_in_file(const fs::path& p, const std::string& from, const std::string& to) {
  std::string s = read_text(p);
  const auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
  write_text(p, s);
}

xt::xarray<float> filled(float value) {
  xt::xarray<float> a = xt::xarray<float>::from_shape({3, 2});
  a.fill(value);
  return a;
}

void write_v1(const fs::path& dir, float fill) {
  spiketorch::checkpoint_writer w(dir);
  w.set("n_neurons", 100);
  w.set("dt_ms", 0.5);
  w.set("model", "diehl_cook_2015");
  w.add_array("weights", filled(fill));
  w.commit();
}

// Everything in `parent` whose name starts with `stem` and is not `stem` itself.
std::vector<std::string> siblings(const fs::path& parent, const std::string& stem) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(parent)) {
    const std::string n = e.path().filename().string();
    if (n != stem && n.rfind(stem, 0) == 0) out.push_back(n);
  }
  return out;
}

}  // namespace

// A parameter set with nlohmann's to_json/from_json, as a model's parameters have.
namespace test_model {

struct synapse {
  double tau_ms = 1.0;
};
struct settings {
  std::int64_t steps = 3;
  double dt_ms = 0.5;
  std::string name = "x";
  synapse syn{};
};

void to_json(spiketorch::manifest_json& j, const synapse& s) { j = {{"tau_ms", s.tau_ms}}; }
void from_json(const spiketorch::manifest_json& j, synapse& s) { j.at("tau_ms").get_to(s.tau_ms); }
void to_json(spiketorch::manifest_json& j, const settings& s) {
  j = {{"steps", s.steps}, {"dt_ms", s.dt_ms}, {"name", s.name}, {"syn", s.syn}};
}
void from_json(const spiketorch::manifest_json& j, settings& s) {
  j.at("steps").get_to(s.steps);
  j.at("dt_ms").get_to(s.dt_ms);
  j.at("name").get_to(s.name);
  j.at("syn").get_to(s.syn);
}

}  // namespace test_model

TEST_CASE("checkpoint round trip of parameters and arrays", "[checkpoint]") {
  temp_dir tmp("rt");
  const fs::path dir = tmp / "ckpt";
  const xt::xarray<float> weights = {{0.1f, 0.2f, 0.3f}, {1.f, 2.f, 3.f}};
  const xt::xarray<std::uint8_t> labels = {5, 0, 4, 1, 9};
  const xt::xarray<std::int64_t> counts = {{{42, 43}}, {{-44, 45}}};
  const xt::xarray<double> scalar = 2.5;
  {
    spiketorch::checkpoint_writer w(dir);
    w.set("n_neurons", 100);
    w.set("dt_ms", 0.5);
    w.set("tau", 0.1f);
    w.set("model", "diehl_cook_2015");
    w.set("note", std::string("quotes \" and\nnewlines"));
    w.set("plastic", true);
    w.set("frozen", false);
    w.set("seed", std::numeric_limits<std::int64_t>::max());
    w.set("offset", -3);
    w.set("n_neurons", 400);  // a second set replaces the first
    w.add_array("weights", weights);
    w.add_array("labels", labels);
    w.add_array("assign.counts", counts);
    w.add_array("scalar", scalar);
    w.add_array("lazy", weights * 2.f);
    w.commit();
  }
  REQUIRE(fs::is_regular_file(dir / "manifest.json"));
  CHECK(siblings(tmp.path, "ckpt").empty());  // no .tmp-/.old- leftovers

  const spiketorch::checkpoint_reader r(dir);
  CHECK(r.format_version() == 2);
  CHECK(r.get_int("n_neurons") == 400);
  CHECK(r.get_double("dt_ms") == 0.5);
  CHECK(r.get_double("tau") == static_cast<double>(0.1f));
  CHECK(r.get_double("n_neurons") == 400.0);  // integers read as doubles too
  CHECK(r.get_string("model") == "diehl_cook_2015");
  CHECK(r.get_string("note") == "quotes \" and\nnewlines");
  CHECK(r.get_bool("plastic"));
  CHECK_FALSE(r.get_bool("frozen"));
  CHECK(r.get_int("seed") == std::numeric_limits<std::int64_t>::max());
  CHECK(r.get_int("offset") == -3);
  CHECK(r.has("model"));
  CHECK_FALSE(r.has("absent"));
  CHECK(r.get_int("absent", 7) == 7);
  CHECK(r.get_double("absent", 1.5) == 1.5);
  CHECK(r.get_string("absent", "x") == "x");
  CHECK(r.get_bool("absent", true));
  CHECK(r.get_int("offset", 7) == -3);
  CHECK(r.keys().size() == 9);

  CHECK(r.array_names() ==
        std::vector<std::string>{"weights", "labels", "assign.counts", "scalar", "lazy"});
  CHECK(r.array_shape("weights") == std::vector<std::size_t>{2, 3});
  CHECK(r.array_dtype("labels") == "uint8");
  CHECK((r.array<float>("weights") == weights));
  CHECK((r.array<std::uint8_t>("labels") == labels));
  CHECK((r.array<std::int64_t>("assign.counts") == counts));
  CHECK((r.array<double>("scalar") == scalar));
  CHECK((r.array<float>("lazy") == weights * 2.f));

  // The manifest is plain, readable JSON.
  const auto m = nlohmann::json::parse(read_text(dir / "manifest.json"));
  CHECK(m.at("format") == "spiketorch-checkpoint");
  CHECK(m.at("format_version") == 2);
  CHECK(m.at("parameters").at("model") == "diehl_cook_2015");
}

TEST_CASE("checkpoint_reader reports wrong types, names and dtypes", "[checkpoint]") {
  temp_dir tmp("types");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);
  const spiketorch::checkpoint_reader r(dir);
  REQUIRE_THROWS_AS(r.get_int("missing"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(r.get_int("missing"), Contains("no parameter 'missing'"));
  REQUIRE_THROWS_WITH(r.get_int("dt_ms"), Contains("'dt_ms'") && Contains("floating-point"));
  REQUIRE_THROWS_WITH(r.get_bool("model"), Contains("'model'") && Contains("string"));
  REQUIRE_THROWS_WITH(r.get_string("n_neurons"), Contains("'n_neurons'") && Contains("integer"));
  REQUIRE_THROWS_WITH(r.array<float>("bias"), Contains("no array 'bias'") && Contains("weights"));
  REQUIRE_THROWS_WITH(r.array<double>("weights"),
                      Contains("'weights'") && Contains("float32") && Contains("float64"));
}

TEST_CASE("checkpoint_writer validates its input", "[checkpoint]") {
  temp_dir tmp("args");
  spiketorch::checkpoint_writer w(tmp / "ckpt");
  const xt::xarray<float> a = {1.f};
  REQUIRE_THROWS_AS(w.add_array("../escape", a), spiketorch::invalid_argument);
  REQUIRE_THROWS_AS(w.add_array("", a), spiketorch::invalid_argument);
  REQUIRE_THROWS_AS(w.add_array(".hidden", a), spiketorch::invalid_argument);
  REQUIRE_THROWS_AS(w.add_array("a/b", a), spiketorch::invalid_argument);
  w.add_array("a", a);
  REQUIRE_THROWS_WITH(w.add_array("a", a), Contains("added twice"));
  REQUIRE_THROWS_AS(w.set("nan", std::numeric_limits<double>::quiet_NaN()),
                    spiketorch::invalid_argument);
  REQUIRE_THROWS_AS(w.set("", 1), spiketorch::invalid_argument);
  REQUIRE_THROWS_WITH(w.set("latin1", "caf\xe9"), Contains("'latin1'") && Contains("UTF-8"));
  w.commit();
  REQUIRE_THROWS_WITH(w.set("late", 1), Contains("already committed"));
  REQUIRE_THROWS_AS(w.commit(), spiketorch::invalid_argument);
}

TEST_CASE("commit replaces an existing checkpoint as a whole", "[checkpoint]") {
  temp_dir tmp("replace");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);
  {
    spiketorch::checkpoint_writer w(dir);
    w.set("n_neurons", 5);
    w.add_array("other", xt::xarray<int>{1, 2});
    w.commit();
  }
  const spiketorch::checkpoint_reader r(dir);
  CHECK(r.get_int("n_neurons") == 5);
  CHECK_FALSE(r.has("model"));
  CHECK_FALSE(r.has_array("weights"));
  CHECK_FALSE(fs::exists(dir / "weights.npy"));  // nothing of the old one is mixed in
  CHECK((r.array<std::int32_t>("other") == xt::xarray<std::int32_t>{1, 2}));
  CHECK(siblings(tmp.path, "ckpt").empty());

  // A path with a trailing slash names the same checkpoint.
  write_v1(dir.string() + "/", 4.f);
  CHECK(spiketorch::checkpoint_reader(dir).array<float>("weights")(0, 0) == 4.f);
  CHECK(siblings(tmp.path, "ckpt").empty());
}

TEST_CASE("an interrupted write leaves the previous checkpoint intact", "[checkpoint]") {
  temp_dir tmp("interrupted");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);

  // What a crashed process leaves behind: a half-filled temporary directory, never committed.
  const fs::path stale = tmp / "ckpt.tmp-123";
  fs::create_directories(stale);
  spiketorch::save_npy(stale / "weights.npy", xt::xarray<float>{9.f});
  write_text(stale / "manifest.json", "{\"format\": \"spiketorch-chec");

  // A writer abandoned before commit (an exception, an early return) in this process.
  {
    spiketorch::checkpoint_writer w(dir);
    w.set("n_neurons", 1);
    w.add_array("weights", xt::xarray<float>{9.f, 9.f});
  }

  const spiketorch::checkpoint_reader r(dir);
  CHECK(r.get_int("n_neurons") == 100);
  CHECK((r.array<float>("weights") == filled(1.f)));
  // The abandoned writer cleaned up after itself; the other process's leftover is not ours.
  CHECK(siblings(tmp.path, "ckpt") == std::vector<std::string>{"ckpt.tmp-123"});

  // A later writer commits normally despite the leftover.
  write_v1(dir, 2.f);
  CHECK(spiketorch::checkpoint_reader(dir).array<float>("weights")(0, 0) == 2.f);
}

TEST_CASE("checkpoint_reader rejects newer versions and foreign formats", "[checkpoint]") {
  temp_dir tmp("version");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);
  replace_in_file(dir / "manifest.json", "\"format_version\": 2", "\"format_version\": 99");
  REQUIRE_THROWS_AS(spiketorch::checkpoint_reader(dir), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                      Contains("manifest.json") && Contains("format_version 99") &&
                          Contains("newer") && Contains("up to version 2"));

  replace_in_file(dir / "manifest.json", "\"format_version\": 99", "\"format_version\": 2");
  replace_in_file(dir / "manifest.json", "spiketorch-checkpoint", "something-else");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                      Contains("not a SpikeTorch checkpoint") && Contains("something-else"));
}

TEST_CASE("checkpoint_reader rejects corrupt or incomplete checkpoints", "[checkpoint]") {
  temp_dir tmp("corrupt");
  const fs::path dir = tmp / "ckpt";

  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                      Contains("ckpt") && Contains("does not exist"));

  write_v1(dir, 1.f);
  const std::string good = read_text(dir / "manifest.json");
  write_text(dir / "manifest.json", good.substr(0, good.size() / 2));
  REQUIRE_THROWS_AS(spiketorch::checkpoint_reader(dir), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir), Contains("corrupt checkpoint manifest") &&
                                                              Contains("manifest.json") &&
                                                              Contains("line"));

  write_text(dir / "manifest.json", "[1, 2]");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir), Contains("not a JSON object"));

  write_text(dir / "manifest.json", good);
  replace_in_file(dir / "manifest.json", "\"dtype\": \"float32\"", "\"dtype\": \"complex\"");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                      Contains("'weights'") && Contains("dtype"));

  write_text(dir / "manifest.json", good);
  auto manifest = spiketorch::manifest_json::parse(good);
  manifest["arrays"][0]["shape"] = {2, 3};
  write_text(dir / "manifest.json", manifest.dump(2));
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir).array<float>("weights"),
                      Contains("weights.npy") && Contains("(3, 2)") && Contains("(2, 3)"));

  write_text(dir / "manifest.json", good);
  fs::remove(dir / "weights.npy");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                      Contains("weights.npy") && Contains("missing"));

  fs::remove(dir / "manifest.json");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir), Contains("manifest.json is missing"));
}

TEST_CASE("commit refuses to replace a directory that is not a checkpoint", "[checkpoint]") {
  temp_dir tmp("foreign");
  const fs::path dir = tmp / "results";
  fs::create_directories(dir);
  write_text(dir / "important.txt", "do not delete");
  spiketorch::checkpoint_writer w(dir);
  w.set("x", 1);
  REQUIRE_THROWS_WITH(w.commit(), Contains("refusing") && Contains("results"));
  CHECK(read_text(dir / "important.txt") == "do not delete");

  write_text(tmp / "file", "x");
  spiketorch::checkpoint_writer f(tmp / "file");
  REQUIRE_THROWS_WITH(f.commit(), Contains("not a directory"));
}

TEST_CASE("object parameters: written with to_json, read with from_json", "[checkpoint]") {
  temp_dir tmp("object");
  const fs::path dir = tmp / "ckpt";
  {
    spiketorch::checkpoint_writer w(dir);
    w.set("model", "m");
    w.set("settings", test_model::settings{.steps = 7, .dt_ms = 0.25, .name = "n", .syn = {2.5}});
    REQUIRE_THROWS_WITH(w.set("list", std::vector<int>{1, 2}),
                        Contains("'list'") && Contains("an array") && Contains("not an object"));
    REQUIRE_THROWS_WITH(
        w.set("bad", test_model::settings{.syn = {std::numeric_limits<double>::infinity()}}),
        Contains("'bad.syn.tau_ms'") && Contains("not finite"));
    w.add_array("weights", filled(1.f));
    w.commit();
  }
  const spiketorch::checkpoint_reader r(dir);
  const auto s = r.get<test_model::settings>("settings");
  CHECK(s.steps == 7);
  CHECK(s.dt_ms == 0.25);
  CHECK(s.name == "n");
  CHECK(s.syn.tau_ms == 2.5);
  CHECK_FALSE(r.has("bad"));
  REQUIRE_THROWS_WITH(r.get<test_model::settings>("model"),
                      Contains("'model'") && Contains("a string, not an object"));
  REQUIRE_THROWS_WITH(r.get_double("settings"),
                      Contains("'settings'") && Contains("an object, not a number"));

  // from_json's errors name the checkpoint and the parameter.
  replace_in_file(dir / "manifest.json", "\"steps\": 7", "\"steps\": \"seven\"");
  const spiketorch::checkpoint_reader r2(dir);
  REQUIRE_THROWS_AS(r2.get<test_model::settings>("settings"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(r2.get<test_model::settings>("settings"),
                      Contains("ckpt") && Contains("parameter 'settings'"));

  // Objects came with format_version 2: in a version-1 manifest they are corruption.
  replace_in_file(dir / "manifest.json", "\"format_version\": 2", "\"format_version\": 1");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                      Contains("corrupt checkpoint manifest") && Contains("'settings'") &&
                          Contains("an object") && Contains("only strings, numbers and booleans"));
  replace_in_file(dir / "manifest.json", "\"format_version\": 1", "\"format_version\": 2");
  replace_in_file(dir / "manifest.json", "\"tau_ms\": 2.5", "\"tau_ms\": [2.5]");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                      Contains("'settings.syn.tau_ms'") && Contains("an array"));
}

TEST_CASE("version-1 checkpoints stay readable", "[checkpoint]") {
  temp_dir tmp("v1");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 3.f);
  replace_in_file(dir / "manifest.json", "\"format_version\": 2", "\"format_version\": 1");
  const spiketorch::checkpoint_reader r(dir);
  CHECK(r.format_version() == 1);
  CHECK(r.get_int("n_neurons") == 100);
  CHECK(r.get_double("dt_ms") == 0.5);
  CHECK((r.array<float>("weights") == filled(3.f)));
}

TEST_CASE("checkpoint manifests: duplicate keys and out-of-range integers", "[checkpoint]") {
  temp_dir tmp("dup");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);
  const std::string good = read_text(dir / "manifest.json");
  replace_in_file(dir / "manifest.json", "\"dt_ms\": 0.5", "\"dt_ms\": 0.5, \"dt_ms\": 1.0");
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir), Contains("corrupt checkpoint manifest") &&
                                                              Contains("manifest.json") &&
                                                              Contains("duplicate key \"dt_ms\""));

  write_text(dir / "manifest.json", good);
  replace_in_file(dir / "manifest.json", "\"n_neurons\": 100",
                  "\"n_neurons\": 18446744073709551615");
  const spiketorch::checkpoint_reader r(dir);
  REQUIRE_THROWS_WITH(r.get_int("n_neurons"),
                      Contains("'n_neurons'") && Contains("floating-point"));
  CHECK(r.get_double("n_neurons") == 18446744073709551615.0);

  spiketorch::checkpoint_writer w(tmp / "other");
  REQUIRE_THROWS_WITH(w.set("big", std::numeric_limits<std::uint64_t>::max()),
                      Contains("'big'") && Contains("64-bit"));
}

TEST_CASE("check_checkpoint_target refuses what a commit could not replace", "[checkpoint]") {
  temp_dir tmp("target");
  using spiketorch::check_checkpoint_target;
  // Places a commit can write: nothing there yet (missing parents are created), an empty
  // directory, a checkpoint to replace. Checking creates nothing.
  CHECK_NOTHROW(check_checkpoint_target(tmp / "new"));
  CHECK_NOTHROW(check_checkpoint_target(tmp / "a/b/c"));
  CHECK_NOTHROW(check_checkpoint_target(tmp.path / "a/b/c/"));
  CHECK_FALSE(fs::exists(tmp / "a"));
  fs::create_directories(tmp / "empty");
  CHECK_NOTHROW(check_checkpoint_target(tmp / "empty"));
  write_v1(tmp / "ckpt", 1.f);
  CHECK_NOTHROW(check_checkpoint_target(tmp / "ckpt"));

  write_text(tmp / "file", "x");
  REQUIRE_THROWS_AS(check_checkpoint_target(tmp / "file"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(check_checkpoint_target(tmp / "file"),
                      Contains((tmp / "file").string()) && Contains("not a directory"));
  REQUIRE_THROWS_WITH(check_checkpoint_target(tmp.path.string() + "/file/"),
                      Contains((tmp / "file").string()) && Contains("not a directory"));
  fs::create_directories(tmp / "results");
  write_text(tmp / "results/important.txt", "keep");
  REQUIRE_THROWS_WITH(check_checkpoint_target(tmp / "results"),
                      Contains("refusing") && Contains("results") && Contains("manifest.json"));
  // A commit renames onto the directory's own name: ".", ".." and "/" have none, even when empty.
  for (const std::string& odd : {std::string("."), std::string(".."), std::string("/"),
                                 (tmp / "empty/.").string(), (tmp / "empty/..").string()})
    REQUIRE_THROWS_WITH(check_checkpoint_target(odd), Contains("'" + odd + "'") &&
                                                          Contains("name the checkpoint's own"));
  // A parent that cannot be a directory (root may write anywhere, so this is the unwritable
  // parent the tests can make).
  for (const char* below_file : {"file/ckpt", "file/a/b/ckpt"}) {
    REQUIRE_THROWS_AS(check_checkpoint_target(tmp / below_file), spiketorch::io_error);
    REQUIRE_THROWS_WITH(check_checkpoint_target(tmp / below_file),
                        Contains(below_file) && Contains("'" + (tmp / "file").string() + "'") &&
                            Contains("is not a directory"));
  }
  REQUIRE_THROWS_AS(check_checkpoint_target(""), spiketorch::invalid_argument);
#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
  if (::geteuid() != 0) {  // permission bits do not stop root
    fs::create_directories(tmp / "read-only");
    fs::permissions(tmp / "read-only", fs::perms::owner_read | fs::perms::owner_exec);
    REQUIRE_THROWS_WITH(check_checkpoint_target(tmp / "read-only/ckpt"),
                        Contains("read-only") && Contains("not writable"));
    fs::permissions(tmp / "read-only", fs::perms::owner_all);
  }
#endif

  // commit() applies the same checks, before it writes anything.
  spiketorch::checkpoint_writer w(tmp / "file/ckpt");
  w.set("x", 1);
  REQUIRE_THROWS_WITH(
      w.commit(), Contains("'" + (tmp / "file").string() + "'") && Contains("is not a directory"));
}

#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
namespace {

// The id of a process that has exited: what a killed writer's leftovers are named after.
long dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return child;
}

// A complete checkpoint of weights `fill` at `to`, as a writer leaves it there.
void place_checkpoint(const fs::path& to, float fill) {
  const fs::path staging = to.parent_path() / "staging";
  write_v1(staging, fill);
  fs::rename(staging, to);
}

float weight_of(const fs::path& dir) {
  return spiketorch::checkpoint_reader(dir).array<float>("weights")(0, 0);
}

}  // namespace

TEST_CASE("a load recovers the checkpoint that a commit killed between its renames left",
          "[checkpoint]") {
  temp_dir tmp("recover");
  const fs::path dir = tmp / "ckpt";
  const std::string pid = std::to_string(dead_pid());
  write_v1(dir, 1.f);

  SECTION("the new checkpoint, complete, wins over the previous one") {
    fs::rename(dir, tmp / ("ckpt.old-" + pid));
    place_checkpoint(tmp / ("ckpt.tmp-" + pid + "-0"), 2.f);
    const spiketorch::checkpoint_reader r(dir);
    CHECK(r.recovered_from() == tmp / ("ckpt.tmp-" + pid + "-0"));
    CHECK((r.array<float>("weights") == filled(2.f)));
    CHECK(fs::is_directory(dir));
    CHECK(siblings(tmp.path, "ckpt") == std::vector<std::string>{"ckpt.old-" + pid});
    // The next save removes the leftover of the dead process.
    write_v1(dir, 3.f);
    CHECK(weight_of(dir) == 3.f);
    CHECK(siblings(tmp.path, "ckpt").empty());
  }
  SECTION("the previous checkpoint when the pending one is incomplete") {
    fs::rename(dir, tmp / ("ckpt.old-" + pid));
    // Named as writers before the counter named them; no manifest: not complete.
    fs::create_directories(tmp / ("ckpt.tmp-" + pid));
    spiketorch::save_npy(tmp / ("ckpt.tmp-" + pid) / "weights.npy", filled(2.f));
    const spiketorch::checkpoint_reader r(dir.string() + "/");
    CHECK(r.recovered_from() == tmp / ("ckpt.old-" + pid));
    CHECK((r.array<float>("weights") == filled(1.f)));
    CHECK(weight_of(dir) == 1.f);
  }
  SECTION("two complete candidates of one kind: the error names both, nothing is moved") {
    const std::string other = std::to_string(dead_pid());
    fs::rename(dir, tmp / ("ckpt.old-" + pid));
    place_checkpoint(tmp / ("ckpt.old-" + other), 2.f);
    REQUIRE_THROWS_AS(spiketorch::checkpoint_reader(dir), spiketorch::io_error);
    REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                        Contains("does not exist") && Contains("2 complete checkpoints") &&
                            Contains("ckpt.old-" + pid) && Contains("ckpt.old-" + other) &&
                            Contains("Rename the one to keep"));
    CHECK_FALSE(fs::exists(dir));
    CHECK(siblings(tmp.path, "ckpt").size() == 2);
  }
  SECTION("nothing complete: the error says what each leftover lacks") {
    fs::rename(dir, tmp / ("ckpt.old-" + pid));
    fs::remove(tmp / ("ckpt.old-" + pid) / "manifest.json");
    REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir),
                        Contains("does not exist") && Contains("ckpt.old-" + pid) &&
                            Contains("not a complete checkpoint") &&
                            Contains("manifest.json is missing"));
    CHECK_FALSE(fs::exists(dir));
  }
  SECTION("a running process's directories are left alone") {
    const std::string self = std::to_string(::getpid());
    fs::rename(dir, tmp / ("ckpt.old-" + self));
    REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir), Contains("does not exist") &&
                                                                Contains("ckpt.old-" + self) &&
                                                                Contains("still running"));
    CHECK_FALSE(fs::exists(dir));
  }
  CHECK_FALSE(fs::exists(tmp / "ckpt.lock"));
}

TEST_CASE("a commit removes what dead processes left beside the checkpoint", "[checkpoint]") {
  temp_dir tmp("cleanup");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);
  const std::string dead = std::to_string(dead_pid());
  const std::string self = std::to_string(::getpid());
  const std::vector<std::string> abandoned = {"ckpt.tmp-" + dead, "ckpt.tmp-" + dead + "-7",
                                              "ckpt.old-" + dead};
  // Pid 1 and this process are running; the other names are not a writer's.
  std::vector<std::string> kept = {"ckpt.old-1",         "ckpt.tmp-" + self + "-999999",
                                   "ckpt.old-notes",     "ckpt.tmp-" + dead + "x",
                                   "ckpt.other-" + dead, "ckpt.tmp-" + dead + "-8"};
  for (const auto& name : abandoned) fs::create_directories(tmp / name);
  for (const auto& name : kept) fs::create_directories(tmp / name);
  fs::remove(tmp / kept.back());
  write_text(tmp / kept.back(), "a file, not a writer's directory");

  // A writer of this process with its arrays pending: its directory must survive others' commits.
  spiketorch::checkpoint_writer pending(dir);
  pending.set("n_neurons", 7);
  pending.add_array("weights", filled(7.f));
  const std::vector<std::string> with_pending = siblings(tmp.path, "ckpt");
  REQUIRE(with_pending.size() == abandoned.size() + kept.size() + 1);
  for (const auto& n : with_pending)
    if (n.starts_with("ckpt.tmp-" + self + "-") && n != kept[1]) kept.push_back(n);
  REQUIRE(kept.size() == 7);

  write_v1(dir, 2.f);
  CHECK(weight_of(dir) == 2.f);
  auto left = siblings(tmp.path, "ckpt");
  std::sort(left.begin(), left.end());
  std::sort(kept.begin(), kept.end());
  CHECK(left == kept);
  pending.commit();
  CHECK(weight_of(dir) == 7.f);
}

TEST_CASE("concurrent commits to one checkpoint take turns", "[checkpoint]") {
  temp_dir tmp("concurrent");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 0.f);
  constexpr int commits = 25;
  const auto save_many = [&](float base) {
    for (int i = 0; i < commits; ++i) write_v1(dir, base + float(i));
  };

  SECTION("two processes") {
    std::vector<pid_t> children;
    for (const float base : {100.f, 200.f}) {
      const pid_t child = ::fork();
      if (child == 0) {
        int status = 0;
        try {
          save_many(base);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "writer %d: %s\n", int(::getpid()), e.what());
          status = 1;
        }
        ::_exit(status);
      }
      REQUIRE(child > 0);
      children.push_back(child);
    }
    for (const pid_t child : children) {
      int status = -1;
      REQUIRE(::waitpid(child, &status, 0) == child);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
  }
  SECTION("two threads with writers of their own") {
    std::atomic<int> failures{0};
    const auto run = [&](float base) {
      try {
        save_many(base);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer thread: %s\n", e.what());
        ++failures;
      }
    };
    std::thread a(run, 100.f), b(run, 200.f);
    a.join();
    b.join();
    CHECK(failures == 0);
  }
  // One of the last two commits won, whole; nothing is left beside it.
  const float w = weight_of(dir);
  CHECK((w == 100.f + commits - 1 || w == 200.f + commits - 1));
  CHECK(siblings(tmp.path, "ckpt").empty());
}

TEST_CASE("a commit waits a bounded time for another's lock, then says so", "[checkpoint]") {
  temp_dir tmp("lock");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);
  spiketorch::checkpoint_writer w(dir);
  w.set("n_neurons", 2);
  w.add_array("weights", filled(2.f));
  {
    const spiketorch::file_lock held(tmp / "ckpt.lock", std::chrono::milliseconds(0));
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE_THROWS_AS(w.commit(std::chrono::milliseconds(200)), spiketorch::io_error);
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(200));
    REQUIRE_THROWS_WITH(w.commit(std::chrono::milliseconds(0)),
                        Contains("cannot commit") && Contains((tmp / "ckpt.lock").string()) &&
                            Contains("another process"));
    CHECK(weight_of(dir) == 1.f);
  }
  CHECK_FALSE(fs::exists(tmp / "ckpt.lock"));  // released and removed
  w.commit();  // the work was not lost: the same writer commits once the lock is free
  CHECK(weight_of(dir) == 2.f);
  CHECK(siblings(tmp.path, "ckpt").empty());
}
#endif

// Found by tests/fuzz/fuzz_checkpoint_manifest: nlohmann reports such a number as out_of_range,
// not parse_error, and it escaped as a message that named neither the file nor the checkpoint.
TEST_CASE("checkpoint manifests: a number too large for a double", "[checkpoint]") {
  temp_dir tmp("overflow");
  const fs::path dir = tmp / "ckpt";
  write_v1(dir, 1.f);
  replace_in_file(dir / "manifest.json", "\"dt_ms\": 0.5", "\"dt_ms\": 1e999");
  REQUIRE_THROWS_AS(spiketorch::checkpoint_reader(dir), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::checkpoint_reader(dir), Contains("corrupt checkpoint manifest") &&
                                                              Contains("manifest.json") &&
                                                              Contains("1e999"));
}
