/* link: -lffi */
#include <ffi.h>
#include <stdio.h>

static int add(int a, int b) { return a + b; }

int main(void) {
    ffi_cif cif;
    ffi_type *args[2] = {&ffi_type_sint, &ffi_type_sint};
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint, args) != FFI_OK) return 1;
    int a = 40, b = 2;
    void *values[2] = {&a, &b};
    ffi_arg result = 0;
    ffi_call(&cif, FFI_FN(add), &result, values);
    if ((int)result != 42) {
        printf("libffi: add(40, 2) through ffi_call gave %d\n", (int)result);
        return 1;
    }
    printf("ok libffi call\n");
    return 0;
}
