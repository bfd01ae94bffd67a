/* datasets/xmltag.h — pull a value out of an ISMRMRD XML header by its
 * element path ("encoding/reconSpace/fieldOfView_mm/x"). Not an XML parser:
 * it finds nested start tags in order, which is all the ISMRMRD header
 * schema needs (element names are unique along each path, no attributes on
 * the elements we read). Private to datasets/. */
#ifndef MRV_DATASETS_XMLTAG_H
#define MRV_DATASETS_XMLTAG_H

#include <stdbool.h>
#include <stddef.h>

/* Text of the element at `path` (slash-separated, first match at each
 * level), trimmed, into buf; false when absent. */
bool mrv_xml_get(const char *xml, const char *path, char *buf, size_t size);

/* Same, parsed as a number; false when absent or not a number. */
bool mrv_xml_get_double(const char *xml, const char *path, double *out);

#endif
