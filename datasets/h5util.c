#include "datasets/h5util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t h5_mutex;
static pthread_once_t h5_once = PTHREAD_ONCE_INIT;

static void h5_init(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&h5_mutex, &a);
    pthread_mutexattr_destroy(&a);
    H5open();
}

void mrv_h5_lock(void)
{
    /* In thread-safe HDF5 builds the automatic error printing is a setting
     * of each thread's error stack, so it is switched off once per thread. */
    static _Thread_local bool quiet;
    pthread_once(&h5_once, h5_init);
    pthread_mutex_lock(&h5_mutex);
    if (!quiet) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        quiet = true;
    }
}

void mrv_h5_unlock(void)
{
    pthread_mutex_unlock(&h5_mutex);
}

hid_t mrv_h5_complex_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, 2 * sizeof(float));
    if (t < 0)
        return t;
    H5Tinsert(t, "r", 0, H5T_NATIVE_FLOAT);
    H5Tinsert(t, "i", sizeof(float), H5T_NATIVE_FLOAT);
    return t;
}

bool mrv_h5_is_complex64(hid_t t)
{
    if (H5Tget_class(t) != H5T_COMPOUND || H5Tget_nmembers(t) != 2)
        return false;
    bool ok = true;
    for (unsigned m = 0; m < 2 && ok; m++) {
        char *name = H5Tget_member_name(t, m);
        hid_t mt = H5Tget_member_type(t, m);
        ok = name && strcmp(name, m ? "i" : "r") == 0 && mt >= 0 &&
             H5Tget_class(mt) == H5T_FLOAT && H5Tget_size(mt) == 4;
        if (mt >= 0)
            H5Tclose(mt);
        H5free_memory(name);
    }
    return ok;
}

hid_t mrv_h5_create(const char *path)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, 0); /* the root group */
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    return f;
}

hid_t mrv_h5_dcpl(void)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(p, 0);
    return p;
}

bool mrv_h5_has_object(const char *path, const char *name)
{
    mrv_h5_lock();
    bool found = false;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) {
        found = H5Lexists(f, name + (name[0] == '/'), H5P_DEFAULT) > 0;
        H5Fclose(f);
    }
    mrv_h5_unlock();
    return found;
}

bool mrv_h5_attr_string(hid_t obj, const char *name, char *buf, size_t size)
{
    if (size == 0 || H5Aexists(obj, name) <= 0)
        return false;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return false;
    hid_t ft = H5Aget_type(a);
    bool ok = false;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            char *s = NULL;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(ft));
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(buf, size, "%s", s);
                ok = true;
            }
            if (s) {
                hid_t sp = H5Aget_space(a);
                H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &s);
                H5Sclose(sp);
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(ft);
            char *s = calloc(n + 1, 1);
            hid_t mt = H5Tcopy(ft);
            if (s && H5Aread(a, mt, s) >= 0) {
                snprintf(buf, size, "%s", s);
                ok = true;
            }
            H5Tclose(mt);
            free(s);
        }
    }
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
    return ok;
}

bool mrv_h5_attr_double(hid_t obj, const char *name, double *out)
{
    if (H5Aexists(obj, name) <= 0)
        return false;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return false;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t cl = H5Tget_class(ft);
    bool ok = (cl == H5T_FLOAT || cl == H5T_INTEGER) && H5Sget_simple_extent_npoints(sp) == 1 &&
              H5Aread(a, H5T_NATIVE_DOUBLE, out) >= 0;
    H5Sclose(sp);
    H5Tclose(ft);
    H5Aclose(a);
    return ok;
}

static herr_t write_attr(hid_t obj, const char *name, hid_t type, const void *v)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t r = a >= 0 ? H5Awrite(a, type, v) : -1;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return r;
}

herr_t mrv_h5_write_attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    herr_t r = write_attr(obj, name, t, &value);
    H5Tclose(t);
    return r;
}

herr_t mrv_h5_write_attr_double(hid_t obj, const char *name, double value)
{
    return write_attr(obj, name, H5T_IEEE_F64LE, &value);
}

herr_t mrv_h5_write_attr_int(hid_t obj, const char *name, long long value)
{
    int64_t v = value;
    return write_attr(obj, name, H5T_STD_I64LE, &v);
}
