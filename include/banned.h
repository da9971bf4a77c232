/*
 * banned.h: functions we do not call, rejected at compile time.
 *
 * Include this last in every .c file, after the system headers, so that a call to
 * one of these names fails to compile. The idea is git's banned.h; curl's style guide
 * adds atoi, strtol and sscanf. Use buf_printf(), str_copy() and str_to_*() instead
 * (see buf.h and strutil.h).
 */
#ifndef TIPHUB_BANNED_H
#define TIPHUB_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef sscanf
#define sscanf(...) BANNED(sscanf)
#undef gets
#define gets(x) BANNED(gets)

#endif
