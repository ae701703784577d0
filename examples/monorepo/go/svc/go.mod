module example.com/monorepo/svc

go 1.25.5

require example.com/monorepo/lib v0.0.0

replace example.com/monorepo/lib => ../lib
