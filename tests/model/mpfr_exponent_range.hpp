// MPFR's exponent range is per-thread state in Debian's thread-safe (TLS) build; this saves it,
// sets the range for one format, and restores it, so no other test sees a changed range.
#pragma once

#include <mpfr.h>

#include <algorithm>

namespace mpsim::testing {

class MpfrExponentRange {
 public:
  MpfrExponentRange(mpfr_exp_t emin, mpfr_exp_t emax) : saved_emin_(mpfr_get_emin()), saved_emax_(mpfr_get_emax()) {
    // Widen first so that emin <= emax holds after every single call.
    mpfr_set_emax(std::max(emax, saved_emax_));
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
  }
  ~MpfrExponentRange() {
    mpfr_set_emax(mpfr_get_emax_max());
    mpfr_set_emin(saved_emin_);
    mpfr_set_emax(saved_emax_);
  }
  MpfrExponentRange(const MpfrExponentRange&) = delete;
  MpfrExponentRange& operator=(const MpfrExponentRange&) = delete;

 private:
  mpfr_exp_t saved_emin_, saved_emax_;
};

}  // namespace mpsim::testing
