module example.com/weightsapp

go 1.26.0
