module example.com/monorepo/lib

go 1.25.5
