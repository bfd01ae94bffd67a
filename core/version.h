/* core/version.h — what produced a number: stored with every run. */
#ifndef MRV_CORE_VERSION_H
#define MRV_CORE_VERSION_H

/* "0.1.0" */
const char *mrv_version(void);
/* The git commit mrvet was built from ("<sha>", "<sha>-dirty" when the
 * working tree had uncommitted changes, "unknown" outside git). */
const char *mrv_git_commit(void);

#endif
