"""Running a build: the pipeline's public stages, the forked workers, the signed statistics cache and render-reuse record, the atomic output folder."""
