/* reports/bundle.h — the evidence bundle: one folder that holds a study's
 * reports, its store, its configuration and a manifest of fingerprints, so
 * a reviewer can check later that nothing changed.
 *
 * Layout of DIR (docs/reports.md):
 *   store.db             a consistent copy of the store (SQLite VACUUM INTO)
 *   report.html          + report_panels/ when image panels exist
 *   report.pdf, report.md, report.json
 *   config-run<N>.json   each run's resolved study configuration
 *   study-<name>         each study file named in provenance (kind
 *                        "study_file" or "config") that exists on disk, copied
 *   INPUTS.sha256        every input fingerprint recorded in provenance:
 *                        "<sha256> <kind> <run> <name>", name escaped (\\ \n)
 *   SHA256SUMS           SHA-256 of every file above, GNU coreutils format
 *                        ("<hex>  <path>"), so `sha256sum -c SHA256SUMS`
 *                        checks it too
 */
#ifndef MRV_REPORTS_BUNDLE_H
#define MRV_REPORTS_BUNDLE_H

#include <stddef.h>

#include "core/status.h"
#include "core/strbuf.h"
#include "reports/analysis.h"
#include "store/store.h"

/* Write the bundle of store `s` into `dir`, which must not exist or be an
 * empty folder (MRV_EIO naming it otherwise). `opt` NULL: report defaults.
 * Files are named above; `*nfiles` (may be NULL) gets how many the
 * manifest lists. */
enum mrv_status mrv_bundle_write(struct mrv_store *s, const struct mrv_report_options *opt,
                                 const char *dir, size_t *nfiles, struct mrv_error *err);

/* Check the bundle in `dir` against its SHA256SUMS: every listed file must
 * exist with the same SHA-256, no other file may be present (SHA256SUMS
 * aside), and every input of INPUTS.sha256 whose name is a readable file
 * (relative to the current folder) must still have its fingerprint. One
 * line per finding is appended to `log`: "changed: PATH", "missing: PATH",
 * "unexpected: PATH", "unsafe path: PATH" (a manifest entry that would
 * leave the bundle), "input changed: NAME", and "ok: N files" at the end
 * when nothing is wrong. `*problems` counts the findings.
 * MRV_OK whenever the check ran (look at *problems); MRV_ENOTFOUND when
 * dir/SHA256SUMS does not exist; MRV_EFORMAT naming the line of a
 * malformed SHA256SUMS. */
enum mrv_status mrv_bundle_verify(const char *dir, struct mrv_strbuf *log, size_t *problems,
                                  struct mrv_error *err);

#endif
