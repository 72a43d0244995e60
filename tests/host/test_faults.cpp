// Faults, through the real binary (issue 9): `mpsim train` and `mpsim run` killed with SIGKILL
// at seeded random moments and resumed each time end bit-identical to an uninterrupted run,
// with every file whole after every kill; a second run on a locked output directory, a full
// disk (RLIMIT_FSIZE) and an unwritable directory each get one line naming the path, a
// non-zero exit, and leave earlier results intact; Ctrl-C (SIGINT) and SIGTERM stop at a safe
// point with 128 + the signal, a message saying how to resume, and the last finished work kept.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "host/train/checkpoint.hpp"
#include "tests/host/output_files.hpp"
#include "tests/support/run_mpsim.hpp"

namespace fs = std::filesystem;
using mpsim::test::check_files_whole;
using mpsim::test::lines_of;
using mpsim::test::results_of;
using mpsim::test::Run;
using mpsim::test::run_command;
using mpsim::test::run_mpsim;
using mpsim::test::slurp;
using mpsim::test::snapshot;
using mpsim::test::spawn_mpsim;
using mpsim::test::temporaries_under;

namespace {

using Clock = std::chrono::steady_clock;

const std::string kSource = MPSIM_SOURCE_DIR;
const std::string kTrainConfig = kSource + "/configs/train/tiny_synthetic.yaml";
const std::string kExperiment = kSource + "/tests/host/tiny_experiment.yaml";
// A quarter of tiny_synthetic's data: an epoch is a fraction of a second. A constant learning
// rate, so that a run of N epochs is the first N epochs of a longer run, which the full-disk
// case resumes into.
const std::string kSmall =
    " --set dataset.train_subset=256 --set dataset.test_subset=128 --set schedule.name=constant";

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

void sleep_for_seconds(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// Polls `done` every 5 ms for up to `limit` seconds.
bool wait_until(const std::function<bool()>& done, double limit = 120) {
  const auto start = Clock::now();
  while (!done()) {
    if (seconds_since(start) > limit) return false;
    sleep_for_seconds(0.005);
  }
  return true;
}

// The epoch a stopped run's message says its checkpoint keeps ("keeps epoch K of N"), or -1.
int kept_epoch(const std::string& err) {
  const auto at = err.find("keeps epoch ");
  return at == std::string::npos ? -1 : std::atoi(err.c_str() + at + 12);
}
// That message in full; `resume` is how to continue ("with --resume" or "again").
std::string interrupted(const fs::path& dir, int kept, int epochs, const std::string& resume) {
  return "mpsim train: interrupted; " + dir.string() + "/checkpoint.bin keeps epoch " + std::to_string(kept) +
         " of " + std::to_string(epochs) + ": run the same command " + resume + " to continue";
}

// What a killed run left: finished points (point.json), and the epochs each checkpoint holds.
std::string fmt_line(int k, double delay, bool landed, int temporaries, const fs::path& dir) {
  int points = 0;
  std::string epochs;
  if (fs::exists(dir))
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.path().filename() == "point.json") ++points;
      if (e.path().filename() == "checkpoint.bin" && !fs::exists(e.path().parent_path().parent_path() / "point.json"))
        epochs += (epochs.empty() ? "" : ",") +
                  std::to_string(mpsim::host::train::read_checkpoint(e.path().string()).state.epochs_done);
    }
  char line[200];
  std::snprintf(line, sizeof line,
                "  run %2d, SIGKILL at %.3f s: %s; points finished %d, checkpoint epochs [%s], temporaries %d\n",
                k + 1, delay, landed ? "landed" : "missed (run had ended)", points, epochs.c_str(), temporaries);
  return line;
}

// Kills the command `command(dir)` (re-built each time: a resume flag may depend on what the
// last run left) with SIGKILL until `kills` kills have landed, at seeded random moments,
// resumes after each, then lets it finish, and compares with an uninterrupted run. A moment is
// uniform in [0, W]. W starts at spread * T / kills, T the uninterrupted run's time: each resumed
// run starts where the last kill left it, so kills drawn over all of T would mostly fall after
// its end; `spread` (chosen per command from its start-up time and the length of its steps)
// makes them progress through the run instead. A run that ends before its kill (the machine
// was faster than when T was measured, or little work was left) halves W, so the kills go on
// landing, in the end in the short runs that only resume, report and exit.
void kill_and_resume(const std::string& what, const std::function<std::string(const fs::path&)>& command, int kills,
                     double spread, std::uint64_t seed) {
  const fs::path root = mpsim::test::fresh_temp_dir("faults_kill");
  // Both runs write to the same path (the reference is moved aside), because outputs name it
  // (the plots' scripts): the comparison then needs no path rewriting.
  const fs::path reference = root / "reference", killed = root / "out";
  const auto start = Clock::now();
  const Run ref = run_mpsim(command(killed));
  const double uninterrupted = seconds_since(start);
  INFO(ref.out << ref.err);
  REQUIRE(ref.status == 0);
  fs::rename(killed, reference);

  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double window = spread * uninterrupted / kills;
  int landed = 0, attempts = 0;
  std::string log;
  const auto trial_start = Clock::now();
  while (landed < kills) {
    REQUIRE(attempts < 4 * kills);  // W halves on every miss: far fewer are ever needed
    const double delay = unit(random) * window;
    auto child = spawn_mpsim(command(killed));
    sleep_for_seconds(delay);
    child->signal(SIGKILL);
    const Run r = child->wait();
    INFO("attempt " << attempts + 1 << ", kill after " << delay << " s:\n" << r.out << r.err);
    // Either the kill landed, or the run had already ended, successfully.
    REQUIRE((r.status == 128 + SIGKILL || r.status == 0));
    const bool hit = r.status == 128 + SIGKILL;
    landed += hit ? 1 : 0;
    if (!hit) window /= 2;
    const int temps = fs::exists(killed) ? check_files_whole(killed) : 0;
    log += fmt_line(attempts++, delay, hit, temps, killed);
  }
  const Run last = run_mpsim(command(killed));
  INFO(last.out << last.err);
  REQUIRE(last.status == 0);
  const double trial = seconds_since(trial_start);
  CHECK(check_files_whole(killed) == 0);  // the finishing run removed what the kills left
  const auto expected = results_of(reference), got = results_of(killed);
  REQUIRE(expected.size() == got.size());
  for (const auto& [file, contents] : expected) {
    INFO("file " << file);
    REQUIRE(got.count(file) == 1);
    CHECK(got.at(file) == contents);
  }
  // The record for docs/RELIABILITY.md: where each kill fell and what it left.
  std::printf("kill-and-resume %s: %d SIGKILLs landed in %d runs (seed %llu); uninterrupted %.1f s, killed and "
              "resumed %.1f s; %zu files bit-identical apart from durations\n%s",
              what.c_str(), landed, attempts, static_cast<unsigned long long>(seed), uninterrupted, trial,
              expected.size(), log.c_str());
  std::fflush(stdout);
  fs::remove_all(root);
}

}  // namespace

// --- SIGKILL at random moments, resumed each time -----------------------------------------------

namespace {

// `extra`: more --set flags (later ones win).
std::string train_command(const fs::path& dir, int epochs, const std::string& extra = "") {
  // --resume once a checkpoint exists, as a user restarting the run would.
  return "train --config " + kTrainConfig + kSmall + extra + " --epochs " + std::to_string(epochs) +
         " --threads 1 --out " + dir.string() + (fs::exists(dir / "checkpoint.bin") ? " --resume" : "");
}
// tiny_synthetic's whole 1024 images: epochs long enough for kills to fall inside them.
const std::string kWhole = " --set dataset.train_subset=1024";

std::string run_command_line(const fs::path& dir) { return "run " + kExperiment + " --out " + dir.string(); }

// A smaller experiment than tiny_experiment.yaml for the default suite: two assignments of two
// epochs each (so a kill can fall between a point's checkpoints), one seed, one hw config.
fs::path small_experiment(const fs::path& dir, bool second_assignment = true) {
  const fs::path file = dir / (second_assignment ? "small.yaml" : "small_one.yaml");
  std::ofstream(file) << "name: faults\ntrain: " << kTrainConfig
                      << "\nset: [\"epochs=2\", \"dataset.train_subset=256\", \"dataset.test_subset=128\", "
                         "\"schedule.name=constant\"]\nseeds: [1]\nhw: ["
                      << kSource << "/configs/hw/edge_16x16.yaml]\nassignments:\n"
                      << "  - {label: fp32, policy: {name: uniform, format: fp32}}\n"
                      << (second_assignment ? "  - {label: mixed16, policy: {name: mixed16}}\n" : "");
  return file;
}

}  // namespace

TEST_CASE("mpsim train killed 5 times and resumed ends bit-identical, no file ever half-written", "[host][faults]") {
  kill_and_resume("train", [](const fs::path& dir) { return train_command(dir, 4, kWhole); }, 5, 4.0, 91);
}

TEST_CASE("mpsim run killed 5 times and resumed ends bit-identical, no file ever half-written", "[host][faults]") {
  const fs::path experiment = small_experiment(mpsim::test::fresh_temp_dir("faults_kill_run"));
  const auto command = [&](const fs::path& dir) { return "run " + experiment.string() + " --out " + dir.string(); };
  kill_and_resume("run (2 points)", command, 5, 2.0, 92);
  fs::remove_all(experiment.parent_path());
}

TEST_CASE("mpsim train killed 20 times and resumed ends bit-identical", "[host][faults][.slow]") {
  kill_and_resume("train", [](const fs::path& dir) { return train_command(dir, 12, kWhole); }, 20, 6.0, 2026);
}

TEST_CASE("mpsim run killed 20 times and resumed ends bit-identical", "[host][faults][.slow]") {
  kill_and_resume("run (tiny_experiment.yaml)", run_command_line, 20, 5.0, 2027);
}

// --- the output directory's lock ------------------------------------------------------------------

namespace {

// Whether some process holds DIR/.mpsim.lock (our own flock attempt is refused).
bool locked(const fs::path& dir) {
  const int fd = ::open((dir / ".mpsim.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

}  // namespace

TEST_CASE("a second run on a locked output directory gets one line and changes nothing, a SIGKILL frees the lock",
          "[host][faults]") {
  const fs::path dir = mpsim::test::fresh_temp_dir("faults_lock") / "out";
  auto first = spawn_mpsim(train_command(dir, 1000));
  REQUIRE(wait_until([&] { return locked(dir) || !first->running(); }));
  REQUIRE(first->running());
  // Stopped, the first run writes nothing while the second tries: any change is the second's.
  first->signal(SIGSTOP);
  const auto before = snapshot(dir);
  for (const std::string& second : {train_command(dir, 1), "run " + kExperiment + " --out " + dir.string()}) {
    const Run r = run_mpsim(second);
    INFO(second << "\n" << r.out << r.err);
    CHECK(r.status == 1);
    CHECK(count(r.err, "\n") == 1);
    CHECK(r.err.find(dir.string() + ": another mpsim is writing to this output directory") != std::string::npos);
    CHECK(snapshot(dir) == before);
  }
  first->signal(SIGKILL);
  first->signal(SIGCONT);
  CHECK(first->wait().status == 128 + SIGKILL);
  // The kernel dropped the dead run's lock with its file descriptors; the lock file remains and
  // must not matter.
  REQUIRE(fs::exists(dir / ".mpsim.lock"));
  const Run again = run_mpsim(train_command(dir, 1));
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK(check_files_whole(dir) == 0);
  fs::remove_all(dir.parent_path());
}

// --- a full disk, an unwritable directory ----------------------------------------------------------

TEST_CASE("mpsim train on a full disk: one line naming the file, earlier checkpoint intact and resumable",
          "[host][faults]") {
  const fs::path root = mpsim::test::fresh_temp_dir("faults_full_train");
  const fs::path dir = root / "out";
  REQUIRE(run_mpsim(train_command(dir, 2)).status == 0);
  fs::rename(dir, root / "reference");  // uninterrupted, at the same path (see kill_and_resume)
  REQUIRE(run_mpsim(train_command(dir, 1)).status == 0);
  const std::string checkpoint = slurp(dir / "checkpoint.bin");
  // The limit lets the CSV and JSON files through and stops the checkpoint half-way, the
  // moment a filling disk would most likely hit.
  const std::uint64_t limit = checkpoint.size() / 2;
  for (const char* small : {"metrics.csv", "tensors.csv", "summary.json"})
    REQUIRE(fs::file_size(dir / small) * 4 < limit);
  auto child = spawn_mpsim(train_command(dir, 2), {limit, false});
  const Run full = child->wait();
  INFO(full.out << full.err);
  CHECK(full.status == 1);
  CHECK(count(full.err, "\n") == 1);
  CHECK(full.err.find((dir / "checkpoint.bin").string() + ": cannot write: File too large") != std::string::npos);
  CHECK(slurp(dir / "checkpoint.bin") == checkpoint);  // the last good checkpoint, untouched
  CHECK(temporaries_under(dir).empty());               // the half-written temporary removed
  CHECK(check_files_whole(dir) == 0);
  // With space again, --resume continues from it to what an uninterrupted run writes.
  const Run resumed = run_mpsim(train_command(dir, 2));
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK(results_of(dir) == results_of(root / "reference"));

  // A file system that really fills up (ENOSPC): a tmpfs with room for one epoch's files, not
  // for the second checkpoint's temporary, mounted in a user namespace where that is permitted.
  // Its files are copied out before the namespace, and the tmpfs with it, goes away.
  if (std::system("unshare -rm true >/dev/null 2>&1") != 0) {
    WARN("unshare -rm is not permitted here: the tmpfs disk-full case did not run");
  } else {
    const fs::path mount = root / "tmpfs", copy = root / "copy";
    fs::create_directories(mount);
    const std::string tmpfs = "unshare -rm sh -c 'mount -t tmpfs -o size=" +
                              std::to_string(checkpoint.size() / 1024 + 64) + "k tmpfs " + mount.string() +
                              " && \"$0\" \"$@\"; status=$?; cp -a " + (mount / "run").string() + " " + copy.string() +
                              "; exit $status'";
    const Run r = run_command(tmpfs, train_command(mount / "run", 3));
    INFO(r.out << r.err);
    CHECK(r.status == 1);
    CHECK(count(r.err, "\n") == 1);
    CHECK(r.err.find((mount / "run/checkpoint.bin").string() + ": cannot write: No space left on device") !=
          std::string::npos);
    CHECK(temporaries_under(copy).empty());
    CHECK(check_files_whole(copy) == 0);
    CHECK(mpsim::host::train::read_checkpoint((copy / "checkpoint.bin").string()).state.epochs_done == 1);
  }
  fs::remove_all(root);
}

TEST_CASE("mpsim run on a full disk: one line naming the file, finished points and results intact",
          "[host][faults]") {
  const fs::path root = mpsim::test::fresh_temp_dir("faults_full_run");
  const fs::path dir = root / "out";
  const fs::path one_yaml = small_experiment(root, false), two_yaml = small_experiment(root, true);
  const Run one = run_mpsim("run " + one_yaml.string() + " --out " + dir.string());
  INFO(one.out << one.err);
  REQUIRE(one.status == 0);
  const auto before = snapshot(dir);
  const std::uint64_t limit = fs::file_size(dir / "points/fp32-seed1/train/checkpoint.bin") / 2;
  // The fp32 point is cached; mixed16 trains and its first checkpoint meets the full disk.
  auto child = spawn_mpsim("run " + two_yaml.string() + " --out " + dir.string(), {limit, false});
  const Run full = child->wait();
  INFO(full.out << full.err);
  CHECK(full.status == 1);
  CHECK(count(full.err, "\n") == 1);
  const std::string checkpoint = (dir / "points/mixed16-seed1/train/checkpoint.bin").string();
  CHECK(full.err.find(checkpoint + ": cannot write: File too large") != std::string::npos);
  const auto after = snapshot(dir);
  for (const auto& [file, contents] : before) {
    INFO("file " << file);
    CHECK(after.at(file) == contents);  // results.*, report, plots and the fp32 point as they were
  }
  CHECK(temporaries_under(dir).empty());
  CHECK(check_files_whole(dir) == 0);
  fs::remove_all(root);
}

TEST_CASE("an output directory that cannot be written: one line naming it, nothing else touched", "[host][faults]") {
  const fs::path root = mpsim::test::fresh_temp_dir("faults_unwritable");
  std::ofstream(root / "file") << "not a directory\n";
  struct Case {
    std::string out, expected;
  };
  const std::string file = (root / "file").string();
  const std::vector<Case> cases = {
      {file, "--out: '" + file + "' exists and is not a directory"},
      {file + "/sub", file + "/sub: cannot create the output directory: Not a directory"},
  };
  for (const Case& c : cases) {
    for (const std::string& command :
         {"train --config " + kTrainConfig + kSmall + " --epochs 1 --out " + c.out,
          "run " + kExperiment + " --out " + c.out,
          "simulate --hw " + kSource + "/configs/hw/edge_16x16.yaml --workload " + kSource +
              "/configs/topologies/tiny_conv.csv --out " + c.out}) {
      const Run r = run_mpsim(command);
      INFO(command << "\n" << r.out << r.err);
      CHECK(r.status != 0);
      CHECK(count(r.err, "\n") == 1);
      CHECK(r.err.find(c.expected) != std::string::npos);
      CHECK(slurp(root / "file") == "not a directory\n");
    }
  }
  // A read-only file system under an earlier run's results, where a user namespace lets us
  // bind-mount one (root ignores permission bits, so chmod would prove nothing in CI).
  const fs::path dir = root / "ro";
  REQUIRE(run_mpsim(train_command(dir, 1)).status == 0);
  const auto before = snapshot(dir);
  if (std::system("unshare -rm true >/dev/null 2>&1") != 0) {
    WARN("unshare -rm is not permitted here: the read-only bind mount case did not run");
  } else {
    const std::string ro = "unshare -rm sh -c 'mount --bind " + dir.string() + " " + dir.string() +
                           " && mount -o remount,ro,bind " + dir.string() + " && exec \"$0\" \"$@\"'";
    const Run r = run_command(ro, train_command(dir, 2));
    INFO(r.out << r.err);
    CHECK(r.status == 1);
    CHECK(count(r.err, "\n") == 1);
    const std::string expected = dir.string() + ": cannot write in the output directory: Read-only file system";
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(snapshot(dir) == before);
  }
  fs::remove_all(root);
}

// --- Ctrl-C and SIGTERM ------------------------------------------------------------------------------

TEST_CASE("Ctrl-C stops mpsim train between steps: bar line ended, last checkpoint kept, exit 130", "[host][faults]") {
  const fs::path dir = mpsim::test::fresh_temp_dir("faults_sigint_train") / "out";
  // 128 steps an epoch and far more epochs than the test waits for, so a fast machine cannot
  // finish the run before the signal (CI once did, with 3 epochs); the signal only ends it.
  const int epochs = 40;
  const std::string args = "train --config " + kTrainConfig + " --set dataset.train_subset=4096 --epochs " +
                           std::to_string(epochs) + " --threads 1 --out " + dir.string();
  auto child = spawn_mpsim(args, {0, true});
  // Wait for the first checkpoint, then for a bar drawn in place (no newline after it yet) in a
  // later epoch: the signal then lands between two steps of that epoch.
  REQUIRE(wait_until([&] { return fs::exists(dir / "checkpoint.bin") || !child->running(); }));
  REQUIRE(wait_until([&] {
    const std::string out = child->output();
    return !child->running() || (out.find("\repoch 2/") != std::string::npos && out.back() != '\n');
  }));
  REQUIRE(child->running());
  child->signal(SIGINT);
  const Run r = child->wait();
  INFO(r.out << r.err);
  CHECK(r.status == 130);
  CHECK(r.out.back() == '\n');  // the bar's line ended before the message
  CHECK(count(r.err, "\n") == 1);
  // The epoch whose bar was showing is lost; every finished one is kept (one more may have ended
  // between the last bar drawn and the signal).
  const int kept = kept_epoch(r.err);
  CHECK(kept >= 1);
  CHECK(kept < epochs);
  CHECK(r.err.find(interrupted(dir, kept, epochs, "with --resume")) != std::string::npos);
  CHECK(mpsim::host::train::read_checkpoint((dir / "checkpoint.bin").string()).state.epochs_done == kept);
  CHECK(static_cast<int>(lines_of(slurp(dir / "metrics.csv")).size()) == kept + 1);  // header and each epoch
  CHECK(check_files_whole(dir) == 0);
  CHECK_FALSE(locked(dir));

  // SIGTERM the same way (a batch system's stop), after the resumed run's first epoch: 143.
  auto term = spawn_mpsim(args + " --resume");
  const std::string resumed_epoch_line = "epoch " + std::to_string(kept + 1) + "/" + std::to_string(epochs) + ":";
  REQUIRE(wait_until([&] { return !term->running() || term->output().find(resumed_epoch_line) != std::string::npos; }));
  REQUIRE(term->running());
  term->signal(SIGTERM);
  const Run t = term->wait();
  INFO(t.out << t.err);
  CHECK(t.status == 128 + SIGTERM);
  const int kept_after = kept_epoch(t.err);
  CHECK(kept_after > kept);
  CHECK(t.err.find(interrupted(dir, kept_after, epochs, "again")) != std::string::npos);
  CHECK(mpsim::host::train::read_checkpoint((dir / "checkpoint.bin").string()).state.epochs_done == kept_after);
  CHECK(check_files_whole(dir) == 0);
  fs::remove_all(dir.parent_path());
}

TEST_CASE("Ctrl-C stops mpsim run between points: finished points kept and reused, exit 130", "[host][faults]") {
  const fs::path root = mpsim::test::fresh_temp_dir("faults_sigint_run"), dir = root / "out";
  const std::string command = "run " + small_experiment(root).string() + " --out " + dir.string();
  auto child = spawn_mpsim(command);
  REQUIRE(wait_until([&] { return fs::exists(dir / "points/fp32-seed1/point.json") || !child->running(); }));
  REQUIRE(child->running());
  child->signal(SIGINT);
  const Run r = child->wait();
  INFO(r.out << r.err);
  CHECK(r.status == 130);
  CHECK(count(r.err, "\n") == 1);
  int finished = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) finished += e.path().filename() == "point.json" ? 1 : 0;
  CHECK(finished == 1);  // the signal came during the second point's training
  CHECK(r.err.find("mpsim run: interrupted; " + std::to_string(finished) + " of 2 points finished and are kept in " +
                   dir.string() + "/points: run the same command again to resume") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "results.csv"));  // no report from a partial set
  CHECK(check_files_whole(dir) == 0);
  const Run again = run_mpsim(command);
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK(count(again.out, "(cached)") == finished);
  CHECK(check_files_whole(dir) == 0);
  fs::remove_all(root);
}
