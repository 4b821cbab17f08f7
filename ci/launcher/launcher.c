/* bin/kind-must-gather of the release tarball: runs the real binary (libexec/) with the dynamic
 * loader and the libraries shipped next to it (lib/), so the host's glibc and libraries are never
 * used. Statically linked (glibc's libc.a): it must run where there is no shell, no libc and no
 * /proc at all. It finds its own folder through /proc/self/exe, or, without /proc, from argv[0]
 * (a path, or a name looked up in PATH), with symlinks resolved either way.
 *
 * Build: cc -static -Os -DKMG_LOADER='"ld-linux-x86-64.so.2"' -o kind-must-gather launcher.c */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KMG_LOADER
#error "define KMG_LOADER, the file name of the dynamic loader in lib/"
#endif

/* argv[0] without a slash: the first executable regular file of that name in PATH, as execvp
 * would have found it. */
static int find_in_path(const char *name, char *out, size_t size) {
  const char *path = getenv("PATH");
  if (path == NULL || *path == '\0') path = "/usr/local/bin:/usr/bin:/bin";
  while (*path != '\0') {
    size_t len = strcspn(path, ":");
    /* An empty entry means the current folder. */
    int n = len == 0 ? snprintf(out, size, "./%s", name)
                     : snprintf(out, size, "%.*s/%s", (int)len, path, name);
    if (n > 0 && (size_t)n < size && access(out, X_OK) == 0) return 0;
    path += len;
    if (*path == ':') ++path;
  }
  return -1;
}

/* The launcher's own path with every symlink resolved, into self (PATH_MAX bytes). */
static int own_path(const char *argv0, char *self) {
  ssize_t n = readlink("/proc/self/exe", self, PATH_MAX - 1);
  if (n > 0) {
    self[n] = '\0';
    return 0;
  }
  char found[PATH_MAX];
  const char *candidate = argv0;
  if (strchr(argv0, '/') == NULL) {
    if (find_in_path(argv0, found, sizeof found) != 0) return -1;
    candidate = found;
  }
  return realpath(candidate, self) == NULL ? -1 : 0;
}

/* Cuts the last n components off path ("/opt/kmg/bin/kind-must-gather", 2 -> "/opt/kmg"). */
static void strip_components(char *path, int n) {
  for (int i = 0; i < n; ++i) {
    char *slash = strrchr(path, '/');
    if (slash == NULL) return;
    *slash = '\0';
  }
  if (*path == '\0') strcpy(path, "/");
}

static char *joined(const char *top, const char *rest) {
  size_t size = strlen(top) + strlen(rest) + 2;
  char *out = malloc(size);
  if (out == NULL) {
    perror("kind-must-gather launcher");
    exit(127);
  }
  snprintf(out, size, "%s/%s", strcmp(top, "/") == 0 ? "" : top, rest);
  return out;
}

int main(int argc, char **argv) {
  const char *argv0 = argc > 0 ? argv[0] : "kind-must-gather";
  char top[PATH_MAX];
  if (own_path(argv0, top) != 0) {
    fprintf(stderr, "kind-must-gather: cannot find the launcher's own folder (no /proc/self/exe, "
                    "and \"%s\" was not found): %s\n", argv0, strerror(errno));
    return 127;
  }
  strip_components(top, 2);
  char *loader = joined(top, "lib/" KMG_LOADER);
  char *libs = joined(top, "lib");
  char *binary = joined(top, "libexec/kind-must-gather");
  /* loader --library-path DIR --argv0 ARGV0 BINARY args... NULL */
  char **args = calloc((size_t)argc + 7, sizeof *args);
  if (args == NULL) {
    perror("kind-must-gather launcher");
    return 127;
  }
  int i = 0;
  args[i++] = loader;
  args[i++] = "--library-path";
  args[i++] = libs;
  args[i++] = "--argv0";
  args[i++] = (char *)argv0;
  args[i++] = binary;
  for (int a = 1; a < argc; ++a) args[i++] = argv[a];
  args[i] = NULL;
  execv(loader, args);
  fprintf(stderr, "kind-must-gather: cannot run %s: %s\n", loader, strerror(errno));
  return 127;
}
