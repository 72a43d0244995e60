#include "host/verify/verify_report.hpp"

#include <map>

#include <fmt/format.h>

#include "model/format_names.hpp"

namespace mpsim::host::verify {

namespace {

std::string hex(std::uint32_t code, const FloatFormat& f) {
  return fmt::format("0x{:0{}x}", code & f.code_mask(), (f.total_bits() + 3) / 4);
}

// The operands behind output (i, j) of tile t: A's row, B's column, formats, expected and got.
std::string describe_mismatch(const std::string& path, std::size_t n, const VerifyTile& t, int i, int j,
                              const std::string& want, const std::string& got) {
  std::string a_row, b_col;
  for (int k = 0; k < t.k; ++k) {
    a_row += " " + hex(t.a[static_cast<std::size_t>(i * t.k + k)], t.formats.a);
    b_col += " " + hex(t.b[static_cast<std::size_t>(k * t.cols + j)], t.formats.b);
  }
  return fmt::format(
      "first mismatch: {} tile {} ({}, rows {}.., cols {}.., k {}..{}) C[{}][{}]: A {} x B {} -> acc {}: expected {} "
      "got {}\n  A row {}:{}\n  B col {}:{}\n",
      path, n, t.gemm, t.row0, t.col0, t.k0, t.k0 + t.k - 1, i, j, format_name(t.formats.a), format_name(t.formats.b),
      format_name(t.formats.acc), want, got, i, a_row, j, b_col);
}

}  // namespace

void corrupt_first_output(std::vector<PathRun>& runs, const std::string& key) {
  for (PathRun& r : runs) {
    if (r.key != key) continue;
    for (auto& out : r.outputs) {
      if (out.empty()) continue;
      out[0] ^= 1u;
      return;
    }
  }
}

VerifyOutcome compare_paths(const std::vector<VerifyTile>& tiles, const std::vector<PathRun>& runs) {
  VerifyOutcome o;
  const PathRun& golden = runs.at(0);
  for (const PathRun& r : runs) {
    PathRow row;
    row.label = r.label;
    row.skipped = r.skipped;
    row.reference = &r == &golden;
    row.has_cycles = r.has_cycles;
    std::map<std::string, int> why_not;
    for (std::size_t n = 0; n < tiles.size() && r.skipped.empty(); ++n) {
      const auto& got = r.outputs[n];
      if (got.empty()) {
        ++why_not[r.not_run[n]];
        continue;
      }
      ++row.tiles;
      const auto& want = golden.outputs[n];
      const VerifyTile& t = tiles[n];
      // Flags are compared where the path reports them (the RTL array does, per output).
      const auto& got_flags = r.flags[n];
      const auto& want_flags = golden.flags[n];
      const bool flags = !got_flags.empty() && !want_flags.empty();
      for (std::size_t e = 0; e < want.size(); ++e) {
        ++row.outputs;
        if (row.reference || (got[e] == want[e] && (!flags || got_flags[e] == want_flags[e]))) continue;
        ++row.mismatches;
        if (o.first_mismatch.empty()) {
          const int i = static_cast<int>(e) / t.cols, j = static_cast<int>(e) % t.cols;
          const auto text = [&](std::uint32_t bits, const std::vector<std::uint32_t>& f) {
            return hex(bits, t.formats.acc) + (flags ? fmt::format(" (flags 0x{:x})", f[e]) : "");
          };
          o.first_mismatch = describe_mismatch(r.label, n, t, i, j, text(want[e], want_flags), text(got[e], got_flags));
        }
      }
      if (r.has_cycles && r.cycles[n] >= 0) {
        ++row.cycles_checked;
        if (r.cycles[n] == r.expected_cycles[n]) {
          ++row.cycles_agree;
        } else if (o.first_cycle_miss.empty()) {
          o.first_cycle_miss = fmt::format("first cycle disagreement: {} tile {} ({}, K {}): {} cycles, the model engine says {}\n",
                                           r.label, n, t.gemm, t.k, r.cycles[n], r.expected_cycles[n]);
        }
      }
    }
    for (const auto& [why, count] : why_not)
      row.note += fmt::format("{}{} ({} tile{})", row.note.empty() ? "n/a: " : "; ", why, count, count == 1 ? "" : "s");
    if (r.skipped.empty() && row.tiles == 0 && !why_not.empty()) {
      row.skipped = row.note;  // not one tile ran: say why in place of numbers
      row.note.clear();
    }
    o.rows.push_back(std::move(row));
  }
  return o;
}

std::string render_table(const VerifyOutcome& o) {
  std::string s;
  const auto line = [&s](std::string text) {
    while (!text.empty() && text.back() == ' ') text.pop_back();
    s += text + "\n";
  };
  line(fmt::format("{:<28} {:>6} {:>8} {:>11}  {:<24} {}", "path", "tiles", "outputs", "mismatches",
                              "cycles = model engine", "note"));
  for (const PathRow& r : o.rows) {
    if (!r.skipped.empty()) {
      line(fmt::format("{:<28} {:>6} {:>8} {:>11}  {:<24} {}", r.label, "-", "-", "-", "-", r.skipped));
      continue;
    }
    const std::string cycles = r.has_cycles ? fmt::format("{}/{} tiles", r.cycles_agree, r.cycles_checked) : "-";
    line(fmt::format("{:<28} {:>6} {:>8} {:>11}  {:<24} {}", r.label, r.tiles, r.outputs,
                     r.reference ? std::string("reference") : std::to_string(r.mismatches), cycles, r.note));
  }
  return s;
}

}  // namespace mpsim::host::verify
