/* The version of tofd and of everything built with it. */
#ifndef TOF_VERSION_H
#define TOF_VERSION_H

#define TOF_VERSION "0.1.0"

#endif
