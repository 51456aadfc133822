/*
 * hold-file <file> <ready-marker> [seconds]: opens <file> for reading with FILE_SHARE_READ only,
 * as an image viewer, an indexer or a virus scanner may, creates <ready-marker>, then keeps the
 * file open for [seconds] (default 60) or until it is killed. Meanwhile Windows (and Wine) refuse
 * to replace or delete the file: a sharing violation, which the smoke check expects imgcli to
 * explain. Built with mingw-w64 by test/windows/run.sh.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int wmain(int argc, wchar_t **argv) {
  if (argc < 3) {
    fwprintf(stderr, L"usage: hold-file <file> <ready-marker> [seconds]\n");
    return 2;
  }
  DWORD seconds = argc > 3 ? (DWORD)_wtoi(argv[3]) : 60;
  HANDLE held = CreateFileW(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (held == INVALID_HANDLE_VALUE) {
    fwprintf(stderr, L"hold-file: cannot open %ls (error %lu)\n", argv[1], GetLastError());
    return 1;
  }
  HANDLE ready = CreateFileW(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (ready == INVALID_HANDLE_VALUE) {
    fwprintf(stderr, L"hold-file: cannot create %ls (error %lu)\n", argv[2], GetLastError());
    return 1;
  }
  CloseHandle(ready);
  Sleep(seconds * 1000);
  CloseHandle(held);
  return 0;
}
