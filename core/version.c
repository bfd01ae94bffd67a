#include "core/version.h"

#include "mrv_version.h"

const char *mrv_version(void)
{
    return MRV_VERSION_STRING;
}

const char *mrv_git_commit(void)
{
    return MRV_GIT_COMMIT;
}
