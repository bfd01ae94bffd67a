/* adapters/adapter_internal.h — the adapter kinds (private to adapters/). */
#ifndef MRV_ADAPTERS_ADAPTER_INTERNAL_H
#define MRV_ADAPTERS_ADAPTER_INTERNAL_H

#include "adapters/adapter.h"

extern const struct mrv_adapter_kind mrv_adapter_builtin;

#endif
