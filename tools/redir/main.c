#include <stdio.h>
#include <redir/redir.h>
int main(void) { printf("redir %s\n", redir_version()); return 0; }
