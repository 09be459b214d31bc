/* The assertion of the C test programs of test/E2E: a failed CHECK prints
   its line, condition and message and counts in `failures`; the program
   reports at the end. */
#ifndef DLC_TEST_CHECK_H
#define DLC_TEST_CHECK_H

#include <stdio.h>

static int failures = 0;
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAILED line %d: %s: ", __LINE__, #cond);                         \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#endif
