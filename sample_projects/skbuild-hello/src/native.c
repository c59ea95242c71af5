/* wbb_skbuild._native: a small C extension module built beside the WASI script.
 *
 *   greeting()          -> "Hello, world!"
 *   greeting("a b")     -> "Hello, a b!"   (what `skbuild-hello a b` prints)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *greeting(PyObject *self, PyObject *args)
{
    const char *name = "world";
    (void)self;
    if (!PyArg_ParseTuple(args, "|s", &name))
        return NULL;
    return PyUnicode_FromFormat("Hello, %s!", name);
}

static PyMethodDef methods[] = {
    {"greeting", greeting, METH_VARARGS, "The greeting skbuild-hello prints."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods};

PyMODINIT_FUNC PyInit__native(void)
{
    return PyModule_Create(&module);
}
