// The module is its header (one inline function); a C target needs one source file.
#include "CPrefetch.h"
