/*
 * rng.h: the old home of the RNG, which now lives in util/rng.h so that
 * src/data shares the one implementation. Only models/model.h still
 * includes this name; new code includes util/rng.h, and this file goes
 * once model.h does.
 */
#ifndef MOESPEC_NN_RNG_H
#define MOESPEC_NN_RNG_H

#include "util/rng.h"

#endif
