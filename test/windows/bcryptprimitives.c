/*
 * A stand-in bcryptprimitives.dll for the Windows smoke check (test/windows/run.sh), built with
 * mingw-w64 and copied into the check's own Wine prefix, never shipped.
 *
 * sharp's libvips-42.dll imports ProcessPrng from bcryptprimitives.dll (Rust's and newer
 * runtimes' source of random bytes since Windows 10). Wine 8.0 (Debian 12) has no such DLL, so
 * node.exe cannot load sharp at all. This one exports only ProcessPrng and fills the buffer from
 * RtlGenRandom (advapi32!SystemFunction036), which Wine 8.0 has. Real Windows documents
 * ProcessPrng as always returning TRUE; this returns FALSE only if RtlGenRandom fails.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
  while (size > 0) {
    /* RtlGenRandom takes a ULONG length; SIZE_T is 64-bit here. */
    ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
    if (!RtlGenRandom(data, chunk)) return FALSE;
    data += chunk;
    size -= chunk;
  }
  return TRUE;
}
