// AddressSanitizer builds with GCC only: CMakeLists.txt adds this file to every program that links
// SystemC when MPSIM_SANITIZE has "address" (`make test SANITIZE=address,undefined`).
//
// Debian's SystemC 2.3.4 runs each SC_THREAD as a QuickThreads coroutine on the thread that calls
// sc_start, and tells ASan of every stack switch through __sanitizer_start_switch_fiber (a weak
// reference, so it calls ASan's when ASan is in the process). Switching back to that thread's own
// stack it passes no bounds (bottom 0, size 0): SystemC never learnt them. ASan then takes the
// thread's stack to be empty, and the first throw after a simulation gets a false
// stack-buffer-overflow in __asan_handle_no_return ("ASan is ignoring requested
// __asan_handle_no_return: stack type: default top: 0x000000000000"; google/sanitizers#189).
// This definition, which the dynamic linker finds before libasan's, puts the thread's real stack
// bounds into that one call and hands every call on to libasan unchanged otherwise.
#include <dlfcn.h>
#include <pthread.h>

#include <cstddef>

namespace {

struct StackBounds {
  void* bottom = nullptr;
  std::size_t size = 0;
  pthread_t thread{};
  StackBounds() : thread(pthread_self()) {
    pthread_attr_t attr;
    if (pthread_getattr_np(thread, &attr) != 0) return;
    if (pthread_attr_getstack(&attr, &bottom, &size) != 0) bottom = nullptr, size = 0;
    pthread_attr_destroy(&attr);
  }
};

// Taken once, at start-up on the main thread: for the main thread glibc reads /proc/self/maps to
// answer, which is slow (a simulation switches back at every wait()) and needs more stack than
// an SC_THREAD's coroutine has, where the switch back is asked for.
const StackBounds main_thread;

}  // namespace

// Not instrumented itself: it runs in the middle of a stack switch, where a frame on ASan's fake
// stack (detect_stack_use_after_return) would be written through the wrong stack's bookkeeping.
extern "C" __attribute__((no_sanitize_address)) void __sanitizer_start_switch_fiber(void** fake_stack_save,
                                                                                   const void* bottom,
                                                                                   std::size_t size) {
  using StartSwitch = void (*)(void**, const void*, std::size_t);
  static const auto asan = reinterpret_cast<StartSwitch>(dlsym(RTLD_NEXT, "__sanitizer_start_switch_fiber"));
  if (bottom == nullptr && size == 0) {
    if (pthread_equal(pthread_self(), main_thread.thread)) {
      bottom = main_thread.bottom, size = main_thread.size;
    } else {
      // Another thread's bounds cost no file read (SystemC runs on the main thread here).
      static thread_local const StackBounds other;
      bottom = other.bottom, size = other.size;
    }
  }
  if (asan != nullptr) asan(fake_stack_save, bottom, size);
}
