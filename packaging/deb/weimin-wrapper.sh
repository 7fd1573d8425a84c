#!/bin/sh
# /usr/bin/weimin, installed by the weimin .deb.
# The program links the Swift runtime (libswiftCore, Foundation, ICU, libdispatch, …) dynamically; the package
# carries those libraries in /usr/lib/weimin/lib so that it runs on a server without Swift. LD_LIBRARY_PATH is
# searched before the binary's RUNPATH (which names the build machine's toolchain, e.g. /opt/swift/…), so these
# libraries are used even where another Swift toolchain is installed — Swift has no stable ABI on Linux.
LD_LIBRARY_PATH=/usr/lib/weimin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
exec /usr/lib/weimin/weimin "$@"
