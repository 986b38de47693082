// GCC 13 moved iostream initialisation into libstdc++ and has every TU that includes <iostream>
// reference this symbol instead; with GCC 12's libstdc++ the static ios_base::Init objects of
// libtorch's own translation units do the work, so a no-op suffices.
namespace std { void ios_base_library_init() {} }
