// zlib's inflate, for reading zip entries (IngestSource): ZIPFoundation's own inflate loop on
// Linux never ends on a deflate stream cut short (FUZZING.md, finding 5).
#include <zlib.h>
