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

extern "C" void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom, std::size_t size) {
  using StartSwitch = void (*)(void**, const void*, std::size_t);
  static const auto asan = reinterpret_cast<StartSwitch>(dlsym(RTLD_NEXT, "__sanitizer_start_switch_fiber"));
  if (bottom == nullptr && size == 0) {
    // Once per thread: for the main thread glibc reads /proc/self/maps to answer, and a
    // simulation switches back to it at every wait().
    struct Bounds {
      void* bottom = nullptr;
      std::size_t size = 0;
      Bounds() {
        pthread_attr_t attr;
        if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
        if (pthread_attr_getstack(&attr, &bottom, &size) != 0) bottom = nullptr, size = 0;
        pthread_attr_destroy(&attr);
      }
    };
    static thread_local const Bounds own;
    bottom = own.bottom, size = own.size;
  }
  if (asan != nullptr) asan(fake_stack_save, bottom, size);
}
