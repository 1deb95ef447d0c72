from reegraph.cli import main

main()
