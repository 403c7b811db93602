/*
 * ship-limits.c - time limits and setting files of a ship (ship-limits.h).
 *
 * Must not: open the files it checks.
 */
#include "ship-limits.h"

#include <math.h>
#include <sys/stat.h>

double ship_timeout_norm(double s, double dflt)
{
	if (!isfinite(s) || s <= 0)
		s = dflt;
	if (!isfinite(s) || s < 0.001)
		return 0.001;
	return s > SHIP_TIMEOUT_MAX_S ? SHIP_TIMEOUT_MAX_S : s;
}

long ship_limit_ms(double s)
{
	double ms = ceil(ship_timeout_norm(s, 0.001) * 1000);
	return ms < 1 ? 1 : (long)ms;
}

int ship_file_check(const char *ship, const char *setting, const char *path,
		    struct mae_error *e)
{
	struct stat st;
	if (!path || stat(path, &st) != 0 || S_ISREG(st.st_mode))
		return 0;
	const char *kind = S_ISFIFO(st.st_mode)	   ? "a FIFO"
			   : S_ISDIR(st.st_mode)   ? "a directory"
			   : S_ISSOCK(st.st_mode)  ? "a socket"
			   : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)
				   ? "a device"
				   : "not a file";
	return mae_error_set(e, MAE_ERR_INVALID,
			     "%s%s%s '%s' is not a regular file (%s)",
			     ship ? ship : "", ship ? ": " : "", setting, path,
			     kind);
}
