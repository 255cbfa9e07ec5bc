/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend registry: an explicit table, no constructors. A backend is built
 * when meson defines HM_HAVE_<NAME> (backends/meson.build).
 */
#include <string.h>

#include "hm_config.h"
#include "init_i.h"

#ifdef HM_HAVE_EMU
extern const struct hm_backend_ops hm_emu_ops;
#endif
#ifdef HM_HAVE_HUGETLBFS
extern const struct hm_backend_ops hm_hugetlbfs_ops;
#endif
#ifdef HM_HAVE_FUSE
extern const struct hm_backend_ops hm_fusefs_ops;
#endif

const struct hm_backend_ops *const hm_backends[] = {
#ifdef HM_HAVE_EMU
	&hm_emu_ops,
#endif
#ifdef HM_HAVE_HUGETLBFS
	&hm_hugetlbfs_ops,
#endif
#ifdef HM_HAVE_FUSE
	&hm_fusefs_ops,
#endif
	NULL,
};

/* Every backend the project defines, so a missing one is "not built", not "unknown". */
const char *const init_known_backends[] = { "emu", "hugetlbfs", "fuse", NULL };

const struct hm_backend_ops *
hm_backend_lookup(const char *name)
{
	if (name == NULL)
		return hm_fail_ptr(EINVAL, "backend name is NULL");
	for (unsigned int i = 0; hm_backends[i] != NULL; i++)
		if (strcmp(hm_backends[i]->name, name) == 0)
			return hm_backends[i];
	return hm_fail_ptr(ENOENT, "backend '%s' is not built", name);
}

const char *
init_built_backends(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; hm_backends[i] != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					hm_backends[i]->name);
	return buf;
}
