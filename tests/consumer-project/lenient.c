/* Warns on purpose (unused variable): the consumer does not build with -Werror. */
int lenient(void);

int
lenient(void)
{
	int unused_on_purpose;
	return 0;
}
