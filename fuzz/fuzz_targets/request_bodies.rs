//! Every request body the API parses, fed arbitrary bytes: parsing may refuse, validation may
//! refuse, nothing may panic, and whatever validates must serialize and parse back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storyloom_domain::validate::Validate;
use storyloom_domain::{
    AvatarRequest, CustomEventCreate, CustomEventUpdate, HeroCreate, HeroUpdate, PlayRequest,
    ProfileUpdate, PushRequest, SignIn, SignUp, StoryCreate, StoryUpdate,
};

fn check<T>(data: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + Validate + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        if v.validate().is_ok() {
            let bytes = serde_json::to_vec(&v).expect("a valid value serializes");
            let back: T = serde_json::from_slice(&bytes).expect("and parses back");
            assert_eq!(back, v);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check::<HeroCreate>(data);
    check::<HeroUpdate>(data);
    check::<StoryCreate>(data);
    check::<StoryUpdate>(data);
    check::<CustomEventCreate>(data);
    check::<CustomEventUpdate>(data);
    check::<PlayRequest>(data);
    check::<AvatarRequest>(data);
    check::<SignUp>(data);
    check::<SignIn>(data);
    check::<ProfileUpdate>(data);
    check::<PushRequest>(data);
});
