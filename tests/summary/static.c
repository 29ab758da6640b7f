/* A statically linked program: the loader cannot preload fwatch into it,
 * and fwatch-summary must say so. */
int main(void)
{
	return 0;
}
